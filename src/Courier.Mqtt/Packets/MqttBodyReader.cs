using System.Buffers.Binary;
using Courier.Core.Messages;

namespace Courier.Mqtt.Packets;

/// <summary>
/// Reads MQTT data types from one packet's body, already size-checked and contiguous. Every read
/// checks what is left first and throws a malformed-packet <see cref="MqttProtocolException"/>
/// when the body is too short, so no length field can cause a read, or an allocation, beyond the
/// body.
/// </summary>
internal ref struct MqttBodyReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public MqttBodyReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool IsAtEnd => _position == _buffer.Length;

    public ReadOnlySpan<byte> ReadSpan(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _position))
        {
            ThrowHelper.ThrowTruncated();
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    public ReadOnlySpan<byte> ReadRest() => ReadSpan(Remaining);

    public byte ReadByte()
    {
        if (_position >= _buffer.Length)
        {
            ThrowHelper.ThrowTruncated();
        }

        return _buffer[_position++];
    }

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(ReadSpan(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadSpan(4));

    public int ReadVariableByteInteger()
    {
        if (!VariableByteInteger.TryRead(_buffer[_position..], out var value, out var length))
        {
            ThrowHelper.ThrowTruncated();
        }

        _position += length;
        return value;
    }

    /// <summary>A packet identifier, which the spec never allows to be 0 where it is present.</summary>
    public ushort ReadPacketId()
    {
        var id = ReadUInt16();
        if (id == 0)
        {
            ThrowHelper.ThrowProtocolError("packet identifier 0");
        }

        return id;
    }

    /// <summary>A UTF-8 encoded string: well-formed UTF-8 and no U+0000, or the packet is malformed.</summary>
    public string ReadString()
    {
        var bytes = ReadSpan(ReadUInt16());
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        if (!StrictUtf8.TryDecode(bytes, out var text))
        {
            ThrowHelper.ThrowMalformed("string is not well-formed UTF-8");
        }

        if (bytes.Contains((byte)0))
        {
            ThrowHelper.ThrowMalformed("string contains U+0000");
        }

        return text;
    }

    /// <summary>Binary data: a two-byte length, then that many bytes, copied.</summary>
    public byte[] ReadBinary() => ReadSpan(ReadUInt16()).ToArray();

    /// <summary>Throws unless the body has been read to its last byte.</summary>
    public readonly void ExpectEnd(MqttPacketType packet)
    {
        if (!IsAtEnd)
        {
            ThrowHelper.ThrowMalformed($"{packet} has {Remaining} bytes after its last field");
        }
    }
}
