using System.Buffers;

namespace Courier.Mqtt.Packets;

/// <summary>
/// MQTT's variable byte integer: 7 bits a byte, least significant group first, the high bit set on
/// every byte but the last, at most 4 bytes (so at most 268,435,455). A continuation bit on the 4th
/// byte is malformed. Non-minimal encodings (0x80 0x00 for 0) are accepted on reading: the spec's
/// "minimum number of bytes" rule binds the sender, the 4-byte cap already bounds the work, and
/// Mosquitto accepts them too. Writing always uses the minimum.
/// </summary>
public static class VariableByteInteger
{
    public const int MaxValue = 268_435_455;

    public const int MaxLength = 4;

    public static int Measure(int value) => value switch
    {
        < 0 or > MaxValue => throw new ArgumentOutOfRangeException(nameof(value), value, "a variable byte integer holds 0 to 268,435,455"),
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="span"/> and returns the bytes written.</summary>
    public static int Write(Span<byte> span, int value)
    {
        var length = Measure(value);
        for (var i = 0; i < length - 1; i++)
        {
            span[i] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        span[length - 1] = (byte)value;
        return length;
    }

    /// <summary>
    /// Decodes from the front of a span. Returns false when the span ends inside the integer
    /// (the caller decides whether that means "read more" or "truncated").
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> span, out int value, out int length)
    {
        value = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= span.Length)
            {
                length = 0;
                return false;
            }

            var b = span[i];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                length = i + 1;
                return true;
            }
        }

        ThrowHelper.ThrowMalformed("variable byte integer longer than 4 bytes");
        length = 0;
        return false;
    }

    /// <summary>The same over a sequence, for the fixed header that may straddle segments.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> sequence, long offset, out int value, out int length)
    {
        Span<byte> head = stackalloc byte[MaxLength];
        var available = (int)Math.Min(MaxLength, sequence.Length - offset);
        sequence.Slice(offset, available).CopyTo(head);
        return TryRead(head[..available], out value, out length);
    }
}
