namespace Steering.Extensions.AI;

/// <summary>How a <see cref="SteeringChatClient"/> presents its model.</summary>
public sealed record SteeringChatClientOptions
{
    /// <summary>The model id reported in responses and metadata (default: "steering").</summary>
    public string ModelId { get; init; } = "steering";

    /// <summary>The chat template to use, by name (default: the tokenizer's default template).</summary>
    public string? ChatTemplateName { get; init; }
}
