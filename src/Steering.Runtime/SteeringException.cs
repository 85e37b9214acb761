using System;

namespace Steering;

/// <summary>
/// The base of every error Steering reports about its input: a checkpoint, a config, a hook name, a vector, a scope.
/// The message is one line a user can act on; it names the file or the hook point where there is one.
/// </summary>
public class SteeringException : Exception
{
    /// <summary>Creates an error with a message.</summary>
    public SteeringException(string message) : base(message) { }

    /// <summary>Creates an error with a message and the failure that caused it.</summary>
    public SteeringException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates an error with no message (prefer the other constructors).</summary>
    public SteeringException() { }
}
