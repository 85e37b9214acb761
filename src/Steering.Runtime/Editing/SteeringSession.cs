using Steering.Hooks;

namespace Steering.Editing;

/// <summary>
/// One request's steering: its spec (bound to the model) and what the request has learnt while it runs — which pass
/// was its prompt, the prompt's length, and which CAST conditions its prompt met. A session follows one sequence
/// through every pass of a generation, whichever batch row it occupies in each (see <see cref="RowSteering"/>).
/// Not thread-safe: a request's passes run one after another.
/// </summary>
internal sealed class SteeringSession
{
    private ForwardPass? _promptPass;

    /// <summary>A session for <paramref name="spec"/> on the model whose points are <paramref name="points"/>.</summary>
    /// <exception cref="SteeringException">The spec does not fit the model.</exception>
    public SteeringSession(SteeringSpec spec, HookPointCollection points)
    {
        Spec = spec;
        Bound = spec.Bind(points);
    }

    public SteeringSpec Spec { get; }

    public BoundSpec Bound { get; }

    /// <summary>The prompt's length in positions, known from the session's first pass on.</summary>
    public long PromptLength { get; private set; }

    /// <summary>Bit i set when the spec's condition i held for this request's prompt.</summary>
    public ulong Fired { get; private set; }

    /// <summary>Whether the session has seen a pass yet.</summary>
    public bool Started => _promptPass is not null;

    /// <summary>True while <paramref name="pass"/> is the session's first pass: its prompt.</summary>
    public bool IsPromptPass(ForwardPass pass) => ReferenceEquals(_promptPass, pass);

    /// <summary>Takes <paramref name="pass"/> as the prompt pass, which ends at absolute position <paramref name="lastPosition"/>.</summary>
    public void Start(ForwardPass pass, long lastPosition)
    {
        _promptPass = pass;
        PromptLength = lastPosition + 1;
    }

    /// <summary>Records the decision of condition <paramref name="index"/> on the prompt.</summary>
    public void Decide(int index, bool holds)
    {
        if (holds) Fired |= 1UL << index;
        else Fired &= ~(1UL << index);
    }
}
