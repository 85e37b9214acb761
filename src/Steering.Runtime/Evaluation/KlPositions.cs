namespace Steering.Evaluation;

/// <summary>Where in each prompt the next-token distributions are compared.</summary>
public enum KlPositions
{
    /// <summary>At every real position: each predicts the token after it.</summary>
    All,

    /// <summary>At the last position only: the distribution of the token the prompt would continue with.</summary>
    Last,
}
