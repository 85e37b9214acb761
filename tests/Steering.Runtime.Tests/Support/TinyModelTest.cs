using TorchSharp;
using static TorchSharp.torch;

namespace Steering.Tests.Support;

/// <summary>
/// A test class with its own tiny random model (GPT-2 unless given) and a dispose scope around each test for the tensors
/// it makes.
/// </summary>
public abstract class TinyModelTest : System.IDisposable
{
    private readonly DisposeScope _scope;

    protected TinyModelTest(HookedTransformer? model = null)
    {
        Model = model ?? TinyGpt2.Create();
        _scope = NewDisposeScope();
    }

    protected HookedTransformer Model { get; }

    public void Dispose()
    {
        _scope.Dispose();
        Model.Dispose();
        System.GC.SuppressFinalize(this);
    }
}
