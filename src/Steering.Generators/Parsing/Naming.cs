using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace Steering.Generators.Parsing;

/// <summary>C# names derived from hook names and model names.</summary>
public static class Naming
{
    /// <summary>A hook name as a PascalCase member name: <c>blocks.5.resid_post</c> → <c>Blocks5ResidPost</c>, <c>attn.z</c> → <c>AttnZ</c>.</summary>
    public static string FromHookName(string canonicalName) => Pascal(canonicalName, "Hook");

    /// <summary>A model name as a class name: <c>gpt2</c> → <c>Gpt2</c>, <c>Llama-3.2-1B</c> → <c>Llama321B</c>, <c>7b</c> → <c>Model7b</c>.</summary>
    public static string FromModelName(string modelName) => Pascal(modelName, "Model");

    /// <summary>True for a name usable as a member: a valid identifier that is not a keyword.</summary>
    public static bool IsIdentifier(string name) =>
        SyntaxFacts.IsValidIdentifier(name)
        && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None
        && SyntaxFacts.GetContextualKeywordKind(name) == SyntaxKind.None || name is "var" or "value" or "nameof" or "dynamic";

    private static string Pascal(string text, string prefixForDigit)
    {
        var name = new StringBuilder(text.Length);
        var upper = true;
        foreach (var c in text)
        {
            if (!char.IsLetterOrDigit(c))
            {
                upper = true;
                continue;
            }
            name.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (name.Length == 0 || char.IsDigit(name[0])) name.Insert(0, prefixForDigit);
        return name.ToString();
    }

    /// <summary>A file-name-safe hint name from a type's full name.</summary>
    public static string HintName(string fullName, string suffix)
    {
        var hint = new StringBuilder(fullName.Length + suffix.Length);
        foreach (var c in fullName) hint.Append(char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '_');
        return hint.Append(suffix).ToString();
    }
}
