using System;
using System.Globalization;
using System.Linq;

namespace Steering.Cli;

/// <summary>Token ids written on the command line: <c>464,3290,389</c> (commas and/or spaces between them).</summary>
internal static class TokenIdList
{
    private static readonly char[] Separators = [',', ' '];

    /// <summary>The ids in <paramref name="text"/>.</summary>
    /// <exception cref="SteeringException">Empty, or an item is not a non-negative integer.</exception>
    public static int[] Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var items = text.Split(Separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new SteeringException($"--ids '{text}' holds no token ids; write them like 464,3290,389");
        return items.Select(item => int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new SteeringException($"--ids '{text}': '{item}' is not a token id (a non-negative integer)")).ToArray();
    }

    /// <summary>The ids as <see cref="Parse"/> reads them.</summary>
    public static string Format(System.Collections.Generic.IEnumerable<int> ids) =>
        string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));
}
