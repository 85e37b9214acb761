namespace Steering.DemoModel.Training;

/// <summary>How to train a causal language model on a token stream.</summary>
public sealed record TrainingOptions
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 1000;

    /// <summary>Sequences per step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Tokens per sequence (at most the model's context).</summary>
    public int SequenceLength { get; init; } = 48;

    /// <summary>Peak learning rate (AdamW), reached after <see cref="WarmupSteps"/> and decayed by a cosine to <see cref="MinLearningRate"/>.</summary>
    public double LearningRate { get; init; } = 3e-3;

    /// <summary>The learning rate at the last step.</summary>
    public double MinLearningRate { get; init; } = 3e-4;

    /// <summary>Steps of linear warm-up.</summary>
    public int WarmupSteps { get; init; } = 50;

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>The largest gradient norm a step may apply.</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>The seed for the order of training windows: the same seed and data give the same weights.</summary>
    public long Seed { get; init; }
}

/// <summary>Where training is: after step <paramref name="Step"/> of <paramref name="Steps"/>, with that step's loss.</summary>
public sealed record TrainingProgress(int Step, int Steps, double Loss, double LearningRate);

/// <summary>How training ended.</summary>
/// <param name="Steps">Steps taken.</param>
/// <param name="FinalLoss">Mean cross-entropy (nats per token) over the last steps (up to 50).</param>
/// <param name="TokensSeen">Tokens predicted in all.</param>
public sealed record TrainingReport(int Steps, double FinalLoss, long TokensSeen);
