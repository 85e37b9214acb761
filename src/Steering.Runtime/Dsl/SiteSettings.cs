namespace Steering;

/// <summary>Which positions a <see cref="SteerAtAttribute"/> site steers.</summary>
public enum SteerPositions
{
    /// <summary>Every real (non-padding) position, prompt and generated.</summary>
    All = 0,
    /// <summary>The prompt's positions (the pass that reads the prompt; a plain forward pass is all prompt).</summary>
    Prompt = 1,
    /// <summary>Generated positions only (KV-cached decode steps).</summary>
    Generated = 2,
    /// <summary>The first <see cref="SteerAtAttribute.Count"/> positions of each sequence.</summary>
    First = 3,
    /// <summary>The last <see cref="SteerAtAttribute.Count"/> positions of each prompt.</summary>
    Last = 4,
}

/// <summary>How a site's vector is scaled before it is added.</summary>
public enum VectorNormalization
{
    /// <summary>As it is.</summary>
    None = 0,
    /// <summary>To unit length (over all its elements), so the coefficient alone sets the size.</summary>
    Unit = 1,
    /// <summary>
    /// To unit length and then to each position's own activation norm (over <c>d_model</c>): the coefficient is a fraction
    /// of the residual stream's size at that position. Only for points whose vector is <c>[d_model]</c>.
    /// </summary>
    ActivationNorm = 2,
}

/// <summary>The method a site's vector is built with (the <c>steering.method</c> of a vector file).</summary>
public enum SteeringMethod
{
    /// <summary>Any method.</summary>
    Any = 0,
    /// <summary>The activation difference of one contrastive pair.</summary>
    Diff = 1,
    /// <summary>The mean difference over contrastive pairs.</summary>
    MeanDiff = 2,
    /// <summary>The first principal component of the pairs' differences (needs at least two pairs).</summary>
    Pca = 3,
    /// <summary>A linear probe's direction separating the pairs' two sides (needs at least two pairs).</summary>
    Probe = 4,
    /// <summary>A vector trained by gradient descent toward the pairs' positive side.</summary>
    Gradient = 5,
    /// <summary>A sparse autoencoder's feature direction (no pairs).</summary>
    Sae = 6,
}

/// <summary>Which input projection of a gated MLP a site at <c>mlp.pre</c> steers.</summary>
public enum MlpProjection
{
    /// <summary>Not given: the point as named.</summary>
    Default = 0,
    /// <summary>The gate projection (<c>mlp.pre</c>: the one the activation function is applied to).</summary>
    Gate = 1,
    /// <summary>The up projection (<c>mlp.pre_linear</c>).</summary>
    Up = 2,
}
