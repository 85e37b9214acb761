namespace Steering.Chat.Jinja.Runtime;

/// <summary>
/// Bounds that keep a hostile template from hanging or exhausting memory: every loop iteration, output character and
/// macro call counts against them, and crossing one is a <see cref="TemplateException"/>, never a crash.
/// </summary>
internal static class Limits
{
    /// <summary>The longest output or string value, in UTF-16 units (real chat prompts are far below this).</summary>
    public const int MaxStringLength = 16 * 1024 * 1024;

    /// <summary>The most items a list made while rendering may hold (a string iterated by character counts too).</summary>
    public const int MaxListLength = 1_000_000;

    /// <summary>All for-loop iterations of one render together.</summary>
    public const long MaxLoopIterations = 1_000_000;

    /// <summary>Nested macro calls (recursion).</summary>
    public const int MaxCallDepth = 64;

    /// <summary>The most items <c>range()</c> makes (Jinja2's sandbox has the same bound).</summary>
    public const int MaxRange = 100_000;

    /// <summary>How deeply lists and dicts may nest when printed or serialized.</summary>
    public const int MaxValueDepth = 100;

    public static long CheckLength(long length, string what) =>
        length <= MaxStringLength ? length : throw new RenderError($"{what} would be longer than {MaxStringLength} characters");

    public static long CheckCount(long count, string what) =>
        count <= MaxListLength ? count : throw new RenderError($"{what} would have more than {MaxListLength} items");
}
