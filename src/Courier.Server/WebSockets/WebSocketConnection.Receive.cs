using System.Buffers;
using System.Buffers.Binary;
using System.Net.WebSockets;

namespace Courier.Server.WebSockets;

/// <summary>The receive loop: frames from the socket to the protocol's input (RFC 6455 section 5).</summary>
internal sealed partial class WebSocketConnection
{
    private const int MaxControlPayload = 125;
    private const int MaxHeaderLength = 14;
    private const string NotUtf8 = "a text message that is not well-formed UTF-8";

    // The frame being read; only the receive loop touches these.
    private long _payloadRemaining;
    private uint _mask;
    private int _maskOffset;
    private byte _opcode;
    private bool _fin;
    private bool _inFrame;
    private bool _inMessage;
    private bool _protocolStoppedReading;
    private bool _textMessage;
    private Utf8StreamCheck _text;
    private int _failure;
    private string? _failureReason;

    private enum Opcode : byte
    {
        Continuation = 0x0,
        Text = 0x1,
        Binary = 0x2,
        Close = 0x8,
        Ping = 0x9,
        Pong = 0xA,
    }

    /// <summary>Reads frames until the client's Close, a protocol error, the socket's end or <see cref="StopReceiving"/>.</summary>
    public async Task ReceiveLoopAsync()
    {
        var socket = _socket.Transport.Input;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await socket.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                var wrote = false;
                var more = ReadFrames(ref buffer, ref wrote);
                socket.AdvanceTo(buffer.Start, buffer.End);
                if (wrote)
                {
                    var flush = await _input.Writer.FlushAsync().ConfigureAwait(false);
                    _protocolStoppedReading |= flush.IsCompleted;
                }

                if (!more || result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            // The socket failed or was aborted: the protocol sees the same error its TCP transport would give.
            error = e;
        }
        finally
        {
            if (_failure != 0)
            {
                WebSocketLog.ProtocolError(_logger, ToString(), _failure, _failureReason!);
                Volatile.Write(ref _closeStatus, _failure);
            }

            await _input.Writer.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    /// <summary>Wakes the receive loop to end it (the close handshake timed out or the connection is over).</summary>
    public void StopReceiving() => _socket.Transport.Input.CancelPendingRead();

    /// <summary>Consumes whole headers, control frames and any payload bytes from <paramref name="buffer"/>; false once reading must stop.</summary>
    private bool ReadFrames(ref ReadOnlySequence<byte> buffer, ref bool wrote)
    {
        Span<byte> control = stackalloc byte[MaxControlPayload];
        while (true)
        {
            if (!_inFrame)
            {
                if (!TryReadHeader(ref buffer, out var failed))
                {
                    return !failed;
                }
            }

            if (_opcode >= (byte)Opcode.Close)
            {
                // A control frame is at most 125 bytes: it is handled once all of it is here.
                if (buffer.Length < _payloadRemaining)
                {
                    return true;
                }

                var payload = control[..(int)_payloadRemaining];
                buffer.Slice(0, payload.Length).CopyTo(payload);
                buffer = buffer.Slice(payload.Length);
                Unmask(payload);
                _inFrame = false;
                if (!OnControlFrame(payload))
                {
                    return false;
                }

                continue;
            }

            while (_payloadRemaining > 0 && !buffer.IsEmpty)
            {
                var chunk = buffer.First.Span;
                var length = (int)Math.Min(chunk.Length, _payloadRemaining);
                if (!_protocolStoppedReading)
                {
                    var target = _input.Writer.GetSpan(length)[..length];
                    chunk[..length].CopyTo(target);
                    Unmask(target);
                    if (_textMessage && !_text.Append(target))
                    {
                        // Refused before the protocol sees any of these bytes.
                        return Fail(WebSocketCloseStatus.InvalidPayloadData, NotUtf8, out _);
                    }

                    _input.Writer.Advance(length);
                    wrote = true;
                }
                else
                {
                    _maskOffset = (_maskOffset + length) & 3;
                }

                buffer = buffer.Slice(length);
                _payloadRemaining -= length;
            }

            if (_payloadRemaining > 0)
            {
                return true;
            }

            _inFrame = false;
            _inMessage = !_fin;
            if (_fin && _textMessage)
            {
                _textMessage = false;
                if (!_text.End() && !_protocolStoppedReading)
                {
                    return Fail(WebSocketCloseStatus.InvalidPayloadData, NotUtf8, out _);
                }
            }
        }
    }

    /// <summary>Parses one frame header; false when more bytes are needed or it broke the protocol (<paramref name="failed"/>).</summary>
    private bool TryReadHeader(ref ReadOnlySequence<byte> buffer, out bool failed)
    {
        failed = false;
        if (buffer.Length < 2)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[MaxHeaderLength];
        var available = (int)Math.Min(buffer.Length, MaxHeaderLength);
        buffer.Slice(0, available).CopyTo(header);
        var fin = (header[0] & 0x80) != 0;
        var opcode = (byte)(header[0] & 0x0F);
        var masked = (header[1] & 0x80) != 0;
        var length7 = header[1] & 0x7F;
        var headerLength = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + 4;

        // Everything the first two bytes can break is refused before waiting for the rest.
        if ((header[0] & 0x70) != 0)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "reserved bits set, and no extension was agreed", out failed);
        }

        if (!masked)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "a client's frames must be masked", out failed);
        }

        switch ((Opcode)opcode)
        {
            case Opcode.Close or Opcode.Ping or Opcode.Pong:
                if (!fin || length7 > MaxControlPayload)
                {
                    return Fail(WebSocketCloseStatus.ProtocolError, "a control frame must be unfragmented and at most 125 bytes", out failed);
                }

                break;
            case Opcode.Binary or Opcode.Text when _inMessage:
                return Fail(WebSocketCloseStatus.ProtocolError, "a new message began inside a fragmented one", out failed);
            case Opcode.Text when _options.AcceptTextFrames:
                // A text protocol (STOMP): its bytes are read as they come, as a binary message's are.
                break;
            case Opcode.Continuation when !_inMessage:
                return Fail(WebSocketCloseStatus.ProtocolError, "a continuation frame outside a fragmented message", out failed);
            case Opcode.Text:
                return Fail(WebSocketCloseStatus.InvalidMessageType, "text frame: the protocol is carried in binary frames", out failed);
            case Opcode.Binary or Opcode.Continuation:
                break;
            default:
                return Fail(WebSocketCloseStatus.ProtocolError, $"unknown opcode 0x{opcode:X}", out failed);
        }

        if (available < headerLength)
        {
            return false;
        }

        long length = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(header[2..]),
            _ => length7,
        };
        if (length < 0)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "payload length with its top bit set", out failed);
        }

        if (length > _options.MaxFramePayloadBytes)
        {
            return Fail(WebSocketCloseStatus.MessageTooBig, $"a frame of {length} bytes; the limit is {_options.MaxFramePayloadBytes}", out failed);
        }

        _mask = BinaryPrimitives.ReadUInt32LittleEndian(header[(headerLength - 4)..]);
        _maskOffset = 0;
        _fin = fin;
        _opcode = opcode;
        if (opcode is (byte)Opcode.Text or (byte)Opcode.Binary)
        {
            // A text message's fragments are checked as UTF-8 together (section 8.1).
            _textMessage = opcode == (byte)Opcode.Text;
        }

        _payloadRemaining = length;
        _inFrame = true;
        buffer = buffer.Slice(headerLength);
        return true;
    }

    private bool Fail(WebSocketCloseStatus status, string reason, out bool failed)
    {
        _failure = (int)status;
        _failureReason = reason;
        failed = true;
        return false;
    }

    /// <summary>Answers a ping, notes a Close; false when the frame ends the reading.</summary>
    private bool OnControlFrame(ReadOnlySpan<byte> payload)
    {
        switch ((Opcode)_opcode)
        {
            case Opcode.Ping:
                lock (_controlGate)
                {
                    // Only the latest ping needs its pong (RFC 6455 section 5.5.3).
                    _pongPayload = payload.ToArray();
                }

                _output.Reader.CancelPendingRead();
                return true;
            case Opcode.Pong:
                return true;
            default:
                return OnClose(payload);
        }
    }

    private bool OnClose(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "a Close frame with a 1-byte body", out _);
        }

        if (payload.Length >= 2)
        {
            var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!IsValidCloseCode(code))
            {
                return Fail(WebSocketCloseStatus.ProtocolError, $"Close with status {code}, which may not be sent", out _);
            }

            // The reply echoes the client's status (section 5.5.1).
            Volatile.Write(ref _closeStatus, code);
        }

        _closeReceived = true;
        return false;
    }

    private static bool IsValidCloseCode(int code) =>
        code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;

    /// <summary>XORs <paramref name="data"/> with the frame's mask, continuing where the previous chunk stopped.</summary>
    private void Unmask(Span<byte> data)
    {
        // The mask rotated so that its first byte applies to data[0], then eight bytes at a time.
        var shift = _maskOffset * 8;
        var rotated = shift == 0 ? _mask : (_mask >> shift) | (_mask << (32 - shift));
        var wide = ((ulong)rotated << 32) | rotated;
        var i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            var span = data.Slice(i, 8);
            BinaryPrimitives.WriteUInt64LittleEndian(span, BinaryPrimitives.ReadUInt64LittleEndian(span) ^ wide);
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= (byte)(rotated >> ((i & 3) * 8));
        }

        _maskOffset = (_maskOffset + data.Length) & 3;
    }
}
