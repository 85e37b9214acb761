namespace Steering.Models.Kernels;

/// <summary>
/// How many x rows a kernel tile reads: a type, so the JIT compiles each size separately with the unused accumulators
/// removed and the rest in registers. A group of 3, 5, 6 or 7 rows takes the next size and repeats its last row (the
/// repeats are computed and not stored).
/// </summary>
internal interface IRowGroup
{
    static abstract int Count { get; }
}

internal readonly struct TwoRows : IRowGroup
{
    public static int Count => 2;
}

internal readonly struct FourRows : IRowGroup
{
    public static int Count => 4;
}

internal readonly struct EightRows : IRowGroup
{
    public static int Count => 8;
}
