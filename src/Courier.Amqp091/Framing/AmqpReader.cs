using System.Buffers.Binary;
using System.Text;
using Courier.Core.Messages;
using Courier.Amqp091.Mapping;

namespace Courier.Amqp091.Framing;

/// <summary>
/// Reads AMQP 0-9-1 field encodings from one contiguous frame payload. Every read checks the
/// remaining length first and throws a 502 SYNTAX_ERROR <see cref="AmqpProtocolException"/> on
/// truncated or malformed input, so a hostile length can never cause an oversized allocation:
/// nothing is allocated beyond what the (already size-checked) frame holds.
/// </summary>
public ref struct AmqpReader
{
    /// <summary>Tables nested deeper than this are refused, bounding recursion on hostile input.</summary>
    public const int MaxTableDepth = AmqpFieldTableCodec.MaxDepth;

    private readonly ReadOnlySpan<byte> _buffer;
    private readonly ShortStringCache? _strings;
    private int _position;

    public AmqpReader(ReadOnlySpan<byte> buffer)
        : this(buffer, strings: null)
    {
    }

    /// <param name="strings">Where repeated short strings are reused from, or null to always allocate.</param>
    public AmqpReader(ReadOnlySpan<byte> buffer, ShortStringCache? strings)
    {
        _buffer = buffer;
        _strings = strings;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            ThrowHelper.ThrowTruncated();
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public byte ReadOctet()
    {
        if (_position >= _buffer.Length)
        {
            ThrowHelper.ThrowTruncated();
        }

        return _buffer[_position++];
    }

    public ushort ReadShort() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public uint ReadLong() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ulong ReadLongLong() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    public Timestamp ReadTimestamp() => new((long)ReadLongLong());

    public string ReadShortString()
    {
        int length = ReadOctet();
        if (length == 0)
        {
            return string.Empty;
        }

        var bytes = Take(length);
        return _strings is null ? DecodeShortString(bytes) : _strings.Get(bytes);
    }

    /// <summary>A short string the broker interprets (a name, a routing key, a tag): invalid UTF-8 is a 502, never rewritten.</summary>
    internal static string DecodeShortString(ReadOnlySpan<byte> bytes)
    {
        if (!StrictUtf8.TryDecode(bytes, out var value))
        {
            ThrowHelper.ThrowSyntax("a short string (a name, routing key or tag) is not well-formed UTF-8");
        }

        return value;
    }

    public byte[] ReadLongString()
    {
        var length = ReadLong();
        if (length > (uint)Remaining)
        {
            ThrowHelper.ThrowTruncated();
        }

        return length == 0 ? [] : Take((int)length).ToArray();
    }

    public IReadOnlyDictionary<string, object?> ReadTable()
    {
        try
        {
            return AmqpFieldTableCodec.ReadTable(_buffer, ref _position);
        }
        catch (WireFormatException e)
        {
            throw new AmqpProtocolException(AmqpConstants.SyntaxError, e.Message, e);
        }
    }

    /// <summary>Reads one typed field value (type octet, then the value), using RabbitMQ's type letters.</summary>
    public object? ReadFieldValue()
    {
        try
        {
            return AmqpFieldTableCodec.ReadValue(_buffer, ref _position);
        }
        catch (WireFormatException e)
        {
            throw new AmqpProtocolException(AmqpConstants.SyntaxError, e.Message, e);
        }
    }

    /// <summary>Reads a property list (flag word, then the properties present); see <see cref="AmqpPropertiesCodec"/>.</summary>
    public MessageProperties ReadProperties(out IReadOnlyDictionary<string, object?>? amqpOnly)
    {
        try
        {
            return AmqpPropertiesCodec.Read(_buffer, ref _position, out amqpOnly);
        }
        catch (WireFormatException e)
        {
            throw new AmqpProtocolException(AmqpConstants.SyntaxError, e.Message, e);
        }
    }
}
