using System.Collections.Generic;

namespace Steering.Hooks;

/// <summary>A hook name the model does not have. The message lists the closest valid names.</summary>
public sealed class UnknownHookPointException : SteeringException
{
    internal UnknownHookPointException(string name, string message, IReadOnlyList<string> suggestions) : base(message)
    {
        Name = name;
        Suggestions = suggestions;
    }

    /// <summary>The name as it was asked for.</summary>
    public string Name { get; }

    /// <summary>The closest valid names, best first (may be empty).</summary>
    public IReadOnlyList<string> Suggestions { get; }
}
