using System;

namespace Steering.Checkpoints;

/// <summary>A checkpoint file or folder that cannot be read as it claims to be: the message names the file and the problem.</summary>
public sealed class CheckpointException : SteeringException
{
    /// <summary>Creates an error about <paramref name="path"/>.</summary>
    public CheckpointException(string path, string problem) : base($"{path}: {problem}") => Path = path;

    /// <summary>Creates an error about <paramref name="path"/> caused by <paramref name="innerException"/>.</summary>
    public CheckpointException(string path, string problem, Exception innerException)
        : base($"{path}: {problem}", innerException) => Path = path;

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
