using System.Buffers.Binary;
using System.Text;
using Courier.Core.Messages;

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
    public const int MaxTableDepth = 32;

    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;
    private int _depth;

    public AmqpReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        _depth = 0;
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
        return Encoding.UTF8.GetString(bytes);
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
        var length = ReadLong();
        if (length > (uint)Remaining)
        {
            ThrowHelper.ThrowTruncated();
        }

        if (length == 0)
        {
            return FieldTable.Empty;
        }

        EnterNested();
        var end = _position + (int)length;
        var table = new Dictionary<string, object?>();
        while (_position < end)
        {
            var key = ReadShortString();
            var value = ReadFieldValue();
            if (_position > end)
            {
                ThrowHelper.ThrowSyntax("a field table entry runs past the table's declared length");
            }

            // Later duplicates win, as in RabbitMQ's own decoder.
            table[key] = value;
        }

        _depth--;
        return table;
    }

    private List<object?> ReadArray()
    {
        var length = ReadLong();
        if (length > (uint)Remaining)
        {
            ThrowHelper.ThrowTruncated();
        }

        EnterNested();
        var end = _position + (int)length;
        var list = new List<object?>();
        while (_position < end)
        {
            list.Add(ReadFieldValue());
            if (_position > end)
            {
                ThrowHelper.ThrowSyntax("a field array element runs past the array's declared length");
            }
        }

        _depth--;
        return list;
    }

    private void EnterNested()
    {
        if (++_depth > MaxTableDepth)
        {
            ThrowHelper.ThrowSyntax("field tables nested too deeply");
        }
    }

    /// <summary>Reads one typed field value (type octet, then the value), using RabbitMQ's type letters.</summary>
    public object? ReadFieldValue()
    {
        var type = (char)ReadOctet();
        switch (type)
        {
            case 't': return ReadOctet() != 0;
            case 'b': return (sbyte)ReadOctet();
            case 'B': return ReadOctet();
            case 's': return (short)ReadShort();
            case 'u': return ReadShort();
            case 'I': return (int)ReadLong();
            case 'i': return ReadLong();
            case 'l': return (long)ReadLongLong();
            case 'f': return BitConverter.Int32BitsToSingle((int)ReadLong());
            case 'd': return BitConverter.Int64BitsToDouble((long)ReadLongLong());
            case 'D':
                {
                    var scale = ReadOctet();
                    var value = (int)ReadLong();
                    if (scale > 28)
                    {
                        ThrowHelper.ThrowSyntax("decimal scale above 28");
                    }

                    var magnitude = Math.Abs((long)value);
                    return new decimal(unchecked((int)(uint)magnitude), 0, 0, value < 0, scale);
                }

            case 'S': return ReadLongString();
            case 'x': return new BinaryValue(ReadLongString());
            case 'T': return ReadTimestamp();
            case 'F': return ReadTable();
            case 'A': return ReadArray();
            case 'V': return null;
            default:
                ThrowHelper.ThrowSyntax($"unknown field type '{type}' (0x{(int)type:X2})");
                return null;
        }
    }
}
