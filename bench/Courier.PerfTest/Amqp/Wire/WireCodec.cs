using System.Buffers.Binary;
using System.Text;

namespace Courier.PerfTest.Amqp.Wire;

/// <summary>
/// The few AMQP 0-9-1 encodings the lean client needs: frames, and the field types of the methods
/// it sends and reads. Written from the specification, independently of the broker's codec, so a
/// bug in one cannot hide a bug in the other.
/// </summary>
internal static class WireCodec
{
    public const byte MethodFrame = 1;
    public const byte HeaderFrame = 2;
    public const byte BodyFrame = 3;
    public const byte HeartbeatFrame = 8;
    public const byte FrameEnd = 0xCE;

    /// <summary>Type (1), channel (2), size (4) before the payload; the end octet after it.</summary>
    public const int FrameOverhead = 8;

    public const ushort BasicClass = 60;

    /// <summary>delivery-mode, the fourth property of the basic class.</summary>
    public const ushort DeliveryModeFlag = 0x1000;

    /// <summary>Writes a frame around <paramref name="payloadLength"/> bytes already at <c>destination[7..]</c>; returns the frame's length.</summary>
    public static int CloseFrame(Span<byte> destination, byte type, ushort channel, int payloadLength)
    {
        destination[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], channel);
        BinaryPrimitives.WriteInt32BigEndian(destination[3..], payloadLength);
        destination[7 + payloadLength] = FrameEnd;
        return payloadLength + FrameOverhead;
    }

    /// <summary>Writes a method frame (class, method, then <paramref name="arguments"/>); returns its length.</summary>
    public static int WriteMethod(Span<byte> destination, ushort channel, ushort classId, ushort methodId, ReadOnlySpan<byte> arguments)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination[7..], classId);
        BinaryPrimitives.WriteUInt16BigEndian(destination[9..], methodId);
        arguments.CopyTo(destination[11..]);
        return CloseFrame(destination, MethodFrame, channel, 4 + arguments.Length);
    }

    /// <summary>A basic content header carrying only delivery-mode; returns its frame's length.</summary>
    public static int WriteBasicHeader(Span<byte> destination, ushort channel, long bodySize, bool persistent)
    {
        Span<byte> payload = destination[7..];
        BinaryPrimitives.WriteUInt16BigEndian(payload, BasicClass);
        BinaryPrimitives.WriteUInt16BigEndian(payload[2..], 0); // weight
        BinaryPrimitives.WriteInt64BigEndian(payload[4..], bodySize);
        BinaryPrimitives.WriteUInt16BigEndian(payload[12..], DeliveryModeFlag);
        payload[14] = persistent ? (byte)2 : (byte)1;
        return CloseFrame(destination, HeaderFrame, channel, 15);
    }
}

/// <summary>Builds a method's arguments in a caller's buffer.</summary>
internal ref struct ArgumentWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;
    private int _length;

    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    public void Octet(byte value) => _buffer[_length++] = value;

    public void Short(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], value);
        _length += 2;
    }

    public void Long(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_length..], value);
        _length += 4;
    }

    public void LongLong(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_length..], value);
        _length += 8;
    }

    public void ShortString(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _buffer[(_length + 1)..]);
        if (length > byte.MaxValue)
        {
            throw new ArgumentException($"short string longer than 255 bytes: {value}", nameof(value));
        }

        _buffer[_length] = (byte)length;
        _length += 1 + length;
    }

    public void LongString(ReadOnlySpan<byte> value)
    {
        Long((uint)value.Length);
        value.CopyTo(_buffer[_length..]);
        _length += value.Length;
    }

    /// <summary>A field table of long-string values only, which is all the client sends.</summary>
    public void Table(IReadOnlyList<(string Name, string Value)> entries)
    {
        int sizeAt = _length;
        _length += 4;
        foreach (var (name, value) in entries)
        {
            ShortString(name);
            Octet((byte)'S');
            LongString(Encoding.UTF8.GetBytes(value));
        }

        BinaryPrimitives.WriteUInt32BigEndian(_buffer[sizeAt..], (uint)(_length - sizeAt - 4));
    }
}

/// <summary>Reads a method's arguments in order.</summary>
internal ref struct ArgumentReader(ReadOnlySpan<byte> arguments)
{
    private readonly ReadOnlySpan<byte> _arguments = arguments;
    private int _position;

    public byte Octet() => _arguments[_position++];

    public ushort Short()
    {
        ushort value = BinaryPrimitives.ReadUInt16BigEndian(_arguments[_position..]);
        _position += 2;
        return value;
    }

    public uint Long()
    {
        uint value = BinaryPrimitives.ReadUInt32BigEndian(_arguments[_position..]);
        _position += 4;
        return value;
    }

    public ulong LongLong()
    {
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(_arguments[_position..]);
        _position += 8;
        return value;
    }

    public string ShortString()
    {
        int length = _arguments[_position];
        string value = Encoding.UTF8.GetString(_arguments.Slice(_position + 1, length));
        _position += 1 + length;
        return value;
    }

    public void SkipShortString() => _position += 1 + _arguments[_position];
}
