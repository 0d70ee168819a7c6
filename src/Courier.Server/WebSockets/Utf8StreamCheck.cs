using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Courier.Server.WebSockets;

/// <summary>
/// Checks that a text message is well-formed UTF-8 as its payload arrives (RFC 6455 section 8.1: an
/// endpoint that finds otherwise fails the connection, Close 1007), without buffering it: a
/// character cut between chunks or fragments is carried, at most 3 bytes, into the next chunk.
/// </summary>
internal struct Utf8StreamCheck
{
    private uint _carry;
    private int _carried;

    /// <summary>False when <paramref name="chunk"/>, after what was carried, cannot continue well-formed UTF-8.</summary>
    public bool Append(ReadOnlySpan<byte> chunk)
    {
        if (_carried > 0)
        {
            // Complete the carried character with the chunk's first bytes.
            Span<byte> head = stackalloc byte[4];
            for (var i = 0; i < _carried; i++)
            {
                head[i] = (byte)(_carry >> (8 * i));
            }

            var taken = Math.Min(4 - _carried, chunk.Length);
            chunk[..taken].CopyTo(head[_carried..]);
            var status = Rune.DecodeFromUtf8(head[..(_carried + taken)], out _, out var consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                // Still incomplete: the chunk was shorter than the character's rest.
                Carry(head[..(_carried + taken)]);
                return true;
            }

            if (status != OperationStatus.Done)
            {
                return false;
            }

            chunk = chunk[(consumed - _carried)..];
            _carried = 0;
        }

        // A character the chunk cuts short at its end is carried; everything before it must be whole.
        var whole = chunk.Length;
        for (var i = chunk.Length - 1; i >= 0 && i >= chunk.Length - 3; i--)
        {
            if ((chunk[i] & 0xC0) != 0x80)
            {
                if (chunk[i] >= 0xC0 && Rune.DecodeFromUtf8(chunk[i..], out _, out _) == OperationStatus.NeedMoreData)
                {
                    whole = i;
                }

                break;
            }
        }

        if (!Utf8.IsValid(chunk[..whole]))
        {
            return false;
        }

        Carry(chunk[whole..]);
        return true;
    }

    /// <summary>At the message's end: false when it ended inside a character. Ready for the next message either way.</summary>
    public bool End()
    {
        var complete = _carried == 0;
        _carried = 0;
        return complete;
    }

    private void Carry(ReadOnlySpan<byte> bytes)
    {
        _carry = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            _carry |= (uint)bytes[i] << (8 * i);
        }

        _carried = bytes.Length;
    }
}
