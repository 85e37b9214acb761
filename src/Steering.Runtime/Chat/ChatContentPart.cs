namespace Steering.Chat;

/// <summary>
/// One part of a message whose content is a list (<c>{"type": "text", "text": "..."}</c>, <c>{"type": "image"}</c>), as
/// multimodal chat formats write it; templates such as Gemma 3's render the text parts and mark the others.
/// </summary>
/// <param name="Type">The part's kind: "text", "image", ...</param>
/// <param name="Text">The text of a "text" part; null for other kinds.</param>
public sealed record ChatContentPart(string Type, string? Text = null)
{
    /// <summary>A text part.</summary>
    public static ChatContentPart FromText(string text) => new("text", text);
}
