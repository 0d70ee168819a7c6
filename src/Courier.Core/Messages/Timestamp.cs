namespace Courier.Core.Messages;

/// <summary>
/// A point in time with one-second resolution, as message properties and header tables carry it
/// (seconds since the Unix epoch). Kept distinct from <see cref="long"/> so a timestamp header
/// keeps its type when it crosses protocols.
/// </summary>
public readonly record struct Timestamp(long UnixSeconds)
{
    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);

    public static Timestamp FromDateTimeOffset(DateTimeOffset value) => new(value.ToUnixTimeSeconds());
}
