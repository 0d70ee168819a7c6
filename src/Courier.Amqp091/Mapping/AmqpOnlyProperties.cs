namespace Courier.Amqp091.Mapping;

/// <summary>
/// The AMQP 0-9-1 properties that the neutral message has no field for, kept as annotations
/// (<see cref="Core.Messages.MessageAnnotations.More"/>) so AMQP round trips stay exact:
/// <list type="bullet">
/// <item><c>amqp.cluster-id</c>: the deprecated cluster-id property, as sent.</item>
/// <item><c>amqp.expiration</c>: the expiration text, only when it is not the canonical decimal of
/// <see cref="Core.Messages.MessageProperties.ExpiryMilliseconds"/>: "060000" keeps its leading zero
/// (and still means 60 000 ms, as RabbitMQ reads it); text that is no non-negative integer
/// ("-1", "abc", "") has no expiry at all and is passed on unchanged.</item>
/// </list>
/// Courier.Storage's legacy reader of old journal records writes the same keys (it may not
/// reference this project); a test holds the two together.
/// </summary>
public static class AmqpOnlyProperties
{
    public const string ClusterIdKey = "amqp.cluster-id";

    public const string ExpirationKey = "amqp.expiration";

    public static string? ClusterId(IReadOnlyDictionary<string, object?>? annotations) =>
        annotations is not null && annotations.TryGetValue(ClusterIdKey, out var value) ? value as string : null;

    public static string? Expiration(IReadOnlyDictionary<string, object?>? annotations) =>
        annotations is not null && annotations.TryGetValue(ExpirationKey, out var value) ? value as string : null;

    /// <summary>
    /// Reads an expiration as milliseconds (null when it is no non-negative integer that fits 64
    /// bits) and says whether writing those milliseconds back gives the same text.
    /// </summary>
    public static bool TryReadExpiry(ReadOnlySpan<byte> text, out long? milliseconds)
    {
        milliseconds = null;
        if (text.IsEmpty)
        {
            return false;
        }

        long value = 0;
        foreach (var c in text)
        {
            var digit = c - (byte)'0';
            if ((uint)digit > 9 || value > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        milliseconds = value;
        return text.Length == 1 || text[0] != (byte)'0';
    }

    /// <summary>How many characters the decimal form of <paramref name="value"/> takes.</summary>
    public static int DigitsOf(long value)
    {
        var digits = value < 0 ? 2 : 1;
        var magnitude = value < 0 ? (ulong)(-(value + 1)) + 1 : (ulong)value;
        while (magnitude >= 10)
        {
            magnitude /= 10;
            digits++;
        }

        return digits;
    }
}
