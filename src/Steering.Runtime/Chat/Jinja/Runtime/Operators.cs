using System;
using System.Collections.Generic;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>Python's arithmetic: true division, floor division and modulo that round toward negative infinity, str/list repetition.</summary>
internal static class Operators
{
    public static object? Binary(string op, object? a, object? b)
    {
        if (op == "~")
            return Concat(Values.Str(a), Values.Str(b));
        if (a is Undefined ua)
            throw ua.Fail();
        if (b is Undefined ub)
            throw ub.Fail();
        try
        {
            return op switch
            {
                "+" => Add(a, b),
                "-" when BothNumbers(a, b) => IsIntegral(a, b) ? (object)checked(Values.ToLong(a) - Values.ToLong(b)) : Values.ToDouble(a) - Values.ToDouble(b),
                "*" => Multiply(a, b),
                "/" when BothNumbers(a, b) => Values.ToDouble(b) == 0 ? throw new RenderError("division by zero") : Values.ToDouble(a) / Values.ToDouble(b),
                "//" when BothNumbers(a, b) => FloorDivide(a, b),
                "%" when BothNumbers(a, b) => Modulo(a, b),
                "%" when a is string => throw new RenderError("string formatting with '%' is not supported by this template interpreter"),
                "**" when BothNumbers(a, b) => Power(a, b),
                _ => throw Unsupported(op, a, b),
            };
        }
        catch (OverflowException)
        {
            throw new RenderError($"integer overflow in '{op}'");
        }
    }

    public static object? Unary(string op, object? value)
    {
        if (op == "not")
            return !Values.IsTruthy(value);
        if (value is Undefined undefined)
            throw undefined.Fail();
        return (op, value) switch
        {
            ("-", long l) => l == long.MinValue ? throw new RenderError("integer overflow in '-'") : -l,
            ("-", double d) => -d,
            ("-", bool b) => b ? -1L : 0L,
            ("+", long or double) => value,
            ("+", bool b) => b ? 1L : 0L,
            _ => throw new RenderError($"bad operand type for unary {op}: '{Values.TypeName(value)}'"),
        };
    }

    private static bool BothNumbers(object? a, object? b) => Values.IsNumber(a) && Values.IsNumber(b);

    private static bool IsIntegral(object? a, object? b) => a is not double && b is not double;

    private static object Add(object? a, object? b)
    {
        if (BothNumbers(a, b))
            return IsIntegral(a, b) ? (object)checked(Values.ToLong(a) + Values.ToLong(b)) : Values.ToDouble(a) + Values.ToDouble(b);
        return (a, b) switch
        {
            (string x, string y) => Concat(x, y),
            (List<object?> x, List<object?> y) => ConcatLists(x, y),
            (string or List<object?>, _) => throw new RenderError($"can only concatenate {Values.TypeName(a)} (not \"{Values.TypeName(b)}\") to {Values.TypeName(a)}"),
            _ => throw Unsupported("+", a, b),
        };
    }

    private static object Multiply(object? a, object? b)
    {
        if (BothNumbers(a, b))
            return IsIntegral(a, b) ? (object)checked(Values.ToLong(a) * Values.ToLong(b)) : Values.ToDouble(a) * Values.ToDouble(b);
        return (a, b) switch
        {
            (string s, long or bool) => PythonText.Repeat(s, Values.ToLong(b)),
            (long or bool, string s) => PythonText.Repeat(s, Values.ToLong(a)),
            (List<object?> list, long or bool) => RepeatList(list, Values.ToLong(b)),
            (long or bool, List<object?> list) => RepeatList(list, Values.ToLong(a)),
            _ => throw Unsupported("*", a, b),
        };
    }

    private static List<object?> ConcatLists(List<object?> x, List<object?> y)
    {
        Limits.CheckCount((long)x.Count + y.Count, "a list");
        return [.. x, .. y];
    }

    private static List<object?> RepeatList(List<object?> list, long times)
    {
        var result = new List<object?>();
        if (times <= 0)
            return result;
        Limits.CheckCount(list.Count * Math.Min(times, Limits.MaxListLength + 1L), "a repeated list");
        for (long i = 0; i < times; i++)
            result.AddRange(list);
        return result;
    }

    private static object FloorDivide(object? a, object? b)
    {
        if (IsIntegral(a, b))
        {
            long x = Values.ToLong(a), y = Values.ToLong(b);
            if (y == 0)
                throw new RenderError("integer division or modulo by zero");
            var quotient = checked(x / y);
            return x % y != 0 && (x < 0) != (y < 0) ? quotient - 1 : quotient;
        }
        return FloatDivMod(Values.ToDouble(a), Values.ToDouble(b), "float floor division by zero").Quotient;
    }

    private static object Modulo(object? a, object? b)
    {
        if (IsIntegral(a, b))
        {
            long x = Values.ToLong(a), y = Values.ToLong(b);
            if (y == 0)
                throw new RenderError("integer division or modulo by zero");
            if (y == -1)
                return 0L;
            var remainder = x % y;
            return remainder != 0 && (remainder < 0) != (y < 0) ? remainder + y : remainder;
        }
        return FloatDivMod(Values.ToDouble(a), Values.ToDouble(b), "float modulo").Remainder;
    }

    /// <summary>CPython's float divmod: the remainder takes the divisor's sign, the quotient is floored exactly.</summary>
    private static (double Quotient, double Remainder) FloatDivMod(double x, double y, string zeroMessage)
    {
        if (y == 0)
            throw new RenderError(zeroMessage);
        var remainder = x % y;
        var quotient = (x - remainder) / y;
        if (remainder != 0)
        {
            if ((y < 0) != (remainder < 0))
            {
                remainder += y;
                quotient -= 1;
            }
        }
        else
            remainder = Math.CopySign(0.0, y);
        if (quotient != 0)
        {
            var floored = Math.Floor(quotient);
            quotient = quotient - floored > 0.5 ? floored + 1 : floored;
        }
        else
            quotient = Math.CopySign(0.0, x / y);
        return (quotient, remainder);
    }

    private static object Power(object? a, object? b)
    {
        if (IsIntegral(a, b) && Values.ToLong(b) >= 0)
        {
            long result = 1, x = Values.ToLong(a);
            for (var n = Values.ToLong(b); n > 0; n >>= 1)
            {
                if ((n & 1) != 0)
                    result = checked(result * x);
                if (n > 1)
                    x = checked(x * x);
            }
            return result;
        }
        return Math.Pow(Values.ToDouble(a), Values.ToDouble(b));
    }

    private static string Concat(string a, string b)
    {
        Limits.CheckLength((long)a.Length + b.Length, "a string");
        return a + b;
    }

    private static RenderError Unsupported(string op, object? a, object? b) =>
        new($"unsupported operand type(s) for {op}: '{Values.TypeName(a)}' and '{Values.TypeName(b)}'");
}
