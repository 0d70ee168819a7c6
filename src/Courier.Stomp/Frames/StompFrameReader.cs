using System.Buffers;

namespace Courier.Stomp.Frames;

/// <summary>
/// Reads STOMP frames from a connection's input with the pipe's contract: a frame or a run of
/// heart-beat EOLs is consumed by moving <c>buffer</c> past it; on <see cref="StompReadResult.NeedMore"/>
/// nothing is consumed, the caller marks the buffer examined and calls again, with the same start,
/// once more bytes have arrived. One reader per connection.
/// </summary>
/// <remarks>
/// A STOMP frame announces its size only in an optional header, so the reader walks it line by line.
/// To stay linear however the bytes arrive, it remembers between calls how far it got into the frame
/// at the front of the buffer: the command and the header entries already parsed, where the next line
/// starts, and how far the search for the next LF (or for the NUL that ends a body without
/// <c>content-length</c>) has looked. Each byte is therefore searched once and parsed once.
///
/// Every limit of <see cref="StompLimits"/> is checked as soon as the bytes buffered make it certain
/// that it is exceeded: a line too long before its LF arrives, one header too many before it is
/// parsed, an announced <c>content-length</c> over the maximum from the header itself, a body
/// without one once more than the maximum is buffered with no NUL. Nothing is allocated for a part
/// that is refused, and nothing waits for it. Every failure, for any input, is a
/// <see cref="StompProtocolException"/>; after one the connection is over (1.2: ERROR, then close),
/// and the reader starts afresh should it be called again.
/// </remarks>
public sealed class StompFrameReader
{
    private const byte Lf = (byte)'\n';
    private const byte Cr = (byte)'\r';

    private readonly StompLimits _limits;

    // Progress on the frame at the front of the buffer, kept across NeedMore. All offsets count from the frame's first byte.
    private bool _inFrame;
    private StompCommand? _command;
    private List<StompHeader>? _headers;
    private bool _headersDone;
    private int _contentLength = -1;
    private long _lineStart;
    private long _searched;

    public StompFrameReader(StompLimits? limits = null)
    {
        _limits = limits ?? StompLimits.Default;
        ArgumentOutOfRangeException.ThrowIfNegative(_limits.MaxBodySize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limits.MaxHeaders);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limits.MaxHeaderLineSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limits.MaxCommandLineSize);
    }

    public StompLimits Limits => _limits;

    /// <param name="buffer">The connection's unread input, starting where the last consumed frame or heart-beat ended.</param>
    /// <param name="version">
    /// The version agreed so far. Before one is agreed the server reads with <see cref="StompVersion.V12"/>:
    /// CONNECT and STOMP are unescaped and take CR LF in every version, and 1.2 does not trim, whereas
    /// 1.0's trimming would change a 1.1 or 1.2 client's login or passcode that begins or ends with a space.
    /// </param>
    /// <param name="frame">The frame, when the result is <see cref="StompReadResult.Frame"/>.</param>
    /// <exception cref="StompProtocolException">The input is not a valid frame, or exceeds a limit.</exception>
    public StompReadResult TryRead(ref ReadOnlySequence<byte> buffer, StompVersion version, out StompFrame? frame)
    {
        frame = null;
        try
        {
            if (!_inFrame)
            {
                var eols = LeadingEols(buffer, out var loneCr);
                if (eols > 0)
                {
                    buffer = buffer.Slice(eols);
                    return StompReadResult.HeartBeat;
                }

                if (buffer.IsEmpty || loneCr)
                {
                    return StompReadResult.NeedMore;
                }

                _inFrame = true;
            }

            if (!TryReadHead(buffer, version) || !TryReadBody(ref buffer, version, out frame))
            {
                return StompReadResult.NeedMore;
            }

            Reset();
            return StompReadResult.Frame;
        }
        catch (StompProtocolException)
        {
            Reset();
            throw;
        }
    }

    private void Reset()
    {
        _inFrame = false;
        _command = null;
        _headers = null;
        _headersDone = false;
        _contentLength = -1;
        _lineStart = 0;
        _searched = 0;
    }

    /// <summary>How many bytes of LF and CR LF lead the buffer; <paramref name="loneCr"/> when it then ends in a CR that may yet become CR LF.</summary>
    private static long LeadingEols(in ReadOnlySequence<byte> buffer, out bool loneCr)
    {
        var reader = new SequenceReader<byte>(buffer);
        loneCr = false;
        while (reader.TryPeek(out var b))
        {
            if (b == Lf)
            {
                reader.Advance(1);
            }
            else if (b == Cr && reader.TryPeek(1, out var next))
            {
                if (next != Lf)
                {
                    break;
                }

                reader.Advance(2);
            }
            else
            {
                loneCr = b == Cr;
                break;
            }
        }

        return reader.Consumed;
    }

    /// <summary>The command line and the header lines, each parsed once as its LF arrives; true once the blank line is read.</summary>
    private bool TryReadHead(in ReadOnlySequence<byte> buffer, StompVersion version)
    {
        if (_command is null)
        {
            if (!TryTakeLine(buffer, _limits.MaxCommandLineSize, "command line", out var line))
            {
                return false;
            }

            ParseCommandLine(line);
        }

        var command = _command!.Value;
        var escaping = StompFraming.EscapingOf(version, command);
        var crLf = StompFraming.CrLfEndsLines(version, command);
        while (!_headersDone)
        {
            if (!TryTakeLine(buffer, _limits.MaxHeaderLineSize, "header line", out var line))
            {
                return false;
            }

            ParseHeaderLine(line, escaping, crLf, trim: version == StompVersion.V10);
        }

        return true;
    }

    private void ParseCommandLine(in ReadOnlySequence<byte> line)
    {
        Span<byte> copy = stackalloc byte[16];
        var span = line.IsSingleSegment ? line.FirstSpan : Copy(line, copy);

        // No command holds a CR, so one before the LF is the line ending in every version.
        if (!span.IsEmpty && span[^1] == Cr)
        {
            span = span[..^1];
        }

        if (!StompCommands.TryParse(span, out var command))
        {
            ThrowHelper.ThrowUnknownCommand(span);
        }

        _command = command;
        _headers = [];
    }

    private static ReadOnlySpan<byte> Copy(in ReadOnlySequence<byte> line, Span<byte> into)
    {
        // A command line longer than any command is unknown whatever its tail; what fits is enough to say so.
        var length = (int)Math.Min(line.Length, into.Length);
        line.Slice(0, length).CopyTo(into);
        return into[..length];
    }

    private void ParseHeaderLine(in ReadOnlySequence<byte> line, StompHeaderEscaping escaping, bool crLf, bool trim)
    {
        byte[]? rented = null;
        try
        {
            var span = line.IsSingleSegment ? line.FirstSpan : (rented = ArrayPool<byte>.Shared.Rent((int)line.Length)).AsSpan(0, (int)line.Length);
            if (rented is not null)
            {
                line.CopyTo(rented);
            }

            if (crLf && !span.IsEmpty && span[^1] == Cr)
            {
                span = span[..^1];
            }

            if (span.IsEmpty)
            {
                _headersDone = true;
                return;
            }

            if (_headers!.Count == _limits.MaxHeaders)
            {
                ThrowHelper.ThrowMalformed($"frame has more than {_limits.MaxHeaders} headers");
            }

            var header = StompHeaderCodec.Decode(span, escaping, trim);
            if (_contentLength < 0 && string.Equals(header.Name, StompHeaderNames.ContentLength, StringComparison.Ordinal))
            {
                // The first entry is the one that counts (1.2 "Repeated Header Entries"); it is checked before any body is waited for.
                _contentLength = StompHeaderCodec.ParseContentLength(header.Value);
                if (_contentLength > _limits.MaxBodySize)
                {
                    ThrowHelper.ThrowMalformed($"content-length {_contentLength} exceeds the maximum body size {_limits.MaxBodySize}");
                }
            }

            _headers.Add(header);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The next line, without its LF, once the LF has arrived; <see cref="_lineStart"/> then moves past it.
    /// A NUL before the LF means the frame ended inside its head, which no frame may.
    /// </summary>
    private bool TryTakeLine(in ReadOnlySequence<byte> buffer, int maxLength, string what, out ReadOnlySequence<byte> line)
    {
        var found = IndexOfAny(buffer.Slice(_searched), Lf, 0);
        if (found < 0)
        {
            _searched = buffer.Length;
            if (buffer.Length - _lineStart > maxLength)
            {
                ThrowHelper.ThrowMalformed($"{what} longer than {maxLength} bytes");
            }

            line = default;
            return false;
        }

        var end = _searched + found;
        if (end - _lineStart > maxLength)
        {
            ThrowHelper.ThrowMalformed($"{what} longer than {maxLength} bytes");
        }

        if (ByteAt(buffer, end) == 0)
        {
            ThrowHelper.ThrowMalformed(_command is null ? "frame ends (NUL) inside its command line" : "frame ends (NUL) before the blank line that ends its headers");
        }

        line = buffer.Slice(_lineStart, end - _lineStart);
        _lineStart = _searched = end + 1;
        return true;
    }

    private bool TryReadBody(ref ReadOnlySequence<byte> buffer, StompVersion version, out StompFrame? frame)
    {
        frame = null;
        var bodyStart = _lineStart;
        long bodyLength;
        if (_contentLength >= 0)
        {
            bodyLength = _contentLength;
            if (buffer.Length <= bodyStart + bodyLength)
            {
                return false;
            }

            if (ByteAt(buffer, bodyStart + bodyLength) != 0)
            {
                ThrowHelper.ThrowMalformed($"body of content-length {bodyLength} is not followed by a NUL");
            }
        }
        else
        {
            var found = IndexOfAny(buffer.Slice(_searched), 0, 0);
            if (found < 0)
            {
                _searched = buffer.Length;
                if (buffer.Length - bodyStart > _limits.MaxBodySize)
                {
                    ThrowHelper.ThrowMalformed($"body without content-length exceeds the maximum body size {_limits.MaxBodySize} with no NUL");
                }

                return false;
            }

            bodyLength = _searched + found - bodyStart;
            if (bodyLength > _limits.MaxBodySize)
            {
                ThrowHelper.ThrowMalformed($"body of {bodyLength} bytes exceeds the maximum body size {_limits.MaxBodySize}");
            }
        }

        var command = _command!.Value;
        if (bodyLength > 0 && version != StompVersion.V10 && !StompCommands.MayHaveBody(command))
        {
            ThrowHelper.ThrowMalformed($"{StompCommands.WireName(command)} frame must not have a body");
        }

        var body = bodyLength == 0 ? ReadOnlyMemory<byte>.Empty : buffer.Slice(bodyStart, bodyLength).ToArray();
        frame = new StompFrame(command, _headers, body);
        buffer = buffer.Slice(bodyStart + bodyLength + 1);
        return true;
    }

    private static byte ByteAt(in ReadOnlySequence<byte> sequence, long offset)
    {
        // A reader, not FirstSpan: the slice may begin with an empty segment.
        var reader = new SequenceReader<byte>(sequence.Slice(offset));
        reader.TryPeek(out var b);
        return b;
    }

    /// <summary>The offset of the first <paramref name="a"/> or <paramref name="b"/>, segment by segment; -1 when neither is there.</summary>
    private static long IndexOfAny(in ReadOnlySequence<byte> sequence, byte a, byte b)
    {
        long offset = 0;
        foreach (var memory in sequence)
        {
            var index = memory.Span.IndexOfAny(a, b);
            if (index >= 0)
            {
                return offset + index;
            }

            offset += memory.Length;
        }

        return -1;
    }
}
