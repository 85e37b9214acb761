using System;
using Microsoft.Extensions.AI;
using Steering.Editing;

namespace Steering.Extensions.AI;

/// <summary>
/// Steering per call through <see cref="ChatOptions"/>: <c>options.WithSteering(spec)</c> makes a
/// <see cref="SteeringChatClient"/> steer that call only — concurrent calls with other specs, or none, are batched
/// together and never see each other's edits.
/// </summary>
/// <example>
/// <code>
/// var warm = SteeringSpec.Empty.Add("blocks.2.resid_pre", love.Values, coefficient: 4);
/// var reply = await chat.GetResponseAsync("Tell me about dogs.", new ChatOptions { MaxOutputTokens = 40 }.WithSteering(warm));
/// </code>
/// </example>
public static class SteeringChatOptions
{
    /// <summary>The <see cref="ChatOptions.AdditionalProperties"/> key the spec is kept under.</summary>
    public const string PropertyName = "steering.spec";

    /// <summary>Sets the steering of calls made with <paramref name="options"/> (replacing any before); returns the options.</summary>
    public static ChatOptions WithSteering(this ChatOptions options, SteeringSpec spec)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(spec);
        options.AdditionalProperties ??= new AdditionalPropertiesDictionary();
        options.AdditionalProperties[PropertyName] = spec;
        return options;
    }

    /// <summary>The steering set with <see cref="WithSteering"/>, or null.</summary>
    /// <exception cref="ArgumentException">Something other than a <see cref="SteeringSpec"/> is stored under <see cref="PropertyName"/>.</exception>
    public static SteeringSpec? GetSteering(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(PropertyName, out var value) is true
            ? value as SteeringSpec ?? throw new ArgumentException($"ChatOptions.AdditionalProperties[\"{PropertyName}\"] holds a {value?.GetType().Name ?? "null"}, not a SteeringSpec", nameof(options))
            : null;
}
