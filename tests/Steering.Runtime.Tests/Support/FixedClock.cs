using System;

namespace Steering.Tests.Support;

/// <summary>A clock stopped at one instant whose local time zone is UTC, for <c>strftime_now</c>.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
