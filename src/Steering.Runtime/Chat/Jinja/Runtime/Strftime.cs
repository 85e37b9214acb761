using System;
using System.Globalization;
using System.Text;

namespace Steering.Chat.Jinja.Runtime;

/// <summary>Python's <c>datetime.strftime</c> in the C locale (what <c>strftime_now</c> prints, e.g. "26 Jul 2024" for "%d %b %Y").</summary>
internal static class Strftime
{
    public static string Format(DateTimeOffset time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var output = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                output.Append(format[i]);
                continue;
            }
            var directive = format[++i];
            // glibc's '-' flag ("%-d"): the number without padding.
            var unpadded = directive == '-' && i + 1 < format.Length;
            if (unpadded)
                directive = format[++i];
            var text = directive switch
            {
                'a' => time.ToString("ddd", c),
                'A' => time.ToString("dddd", c),
                'b' or 'h' => time.ToString("MMM", c),
                'B' => time.ToString("MMMM", c),
                'd' => time.ToString("dd", c),
                'e' => time.Day.ToString(c).PadLeft(2),
                'm' => time.ToString("MM", c),
                'y' => time.ToString("yy", c),
                'Y' => time.Year.ToString(c),
                'H' => time.ToString("HH", c),
                'I' => time.ToString("hh", c),
                'M' => time.ToString("mm", c),
                'S' => time.ToString("ss", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'j' => time.DayOfYear.ToString("000", c),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'f' => (time.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", c),
                'z' => (time.Offset < TimeSpan.Zero ? "-" : "+") + time.Offset.ToString("hhmm", c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                'D' => time.ToString("MM/dd/yy", c),
                '%' => "%",
                _ => (unpadded ? "%-" : "%") + directive, // glibc prints a conversion it does not know as written
            };
            if (unpadded)
                text = text.TrimStart('0', ' ') is { Length: > 0 } digits ? digits : "0";
            output.Append(text);
        }
        return output.ToString();
    }
}
