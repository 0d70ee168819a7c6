using System.Buffers.Text;
using System.Text;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>
/// One STOMP frame as the lean client reads it: spans over the receive buffer, valid until the
/// next read. Headers stay in their wire form and are looked up by name when asked for, so a
/// MESSAGE costs one scan for <c>content-length</c> and one for <c>ack</c>, and an ACK can echo
/// the <c>ack</c> value byte for byte (already escaped as the broker escaped it).
/// </summary>
/// <remarks>
/// Frames end with NUL; a body whose frame has <c>content-length</c> is that many bytes (and may
/// hold NULs), otherwise it runs to the first NUL. Lines end with LF or CR LF. End-of-lines
/// between frames (heart-beats) are skipped. A repeated header keeps its first value, as STOMP 1.2
/// says.
/// </remarks>
internal readonly ref struct StompWireFrame
{
    /// <summary>Larger frames are refused: the broker is not speaking STOMP as expected.</summary>
    public const int MaxFrameBytes = 64 * 1024 * 1024;

    private StompWireFrame(ReadOnlySpan<byte> command, ReadOnlySpan<byte> headers, ReadOnlySpan<byte> body)
    {
        Command = command;
        Headers = headers;
        Body = body;
    }

    public ReadOnlySpan<byte> Command { get; }

    /// <summary>The header lines, each ending with LF (or CR LF), without the blank line after them.</summary>
    public ReadOnlySpan<byte> Headers { get; }

    public ReadOnlySpan<byte> Body { get; }

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>. Returns false when the buffer
    /// does not hold a whole frame yet; <paramref name="consumed"/> then is 0.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not a STOMP frame.</exception>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out StompWireFrame frame, out int consumed)
    {
        frame = default;
        consumed = 0;
        int start = 0;
        while (start < buffer.Length && (buffer[start] == (byte)'\n' || buffer[start] == (byte)'\r'))
        {
            start++;
        }

        var rest = buffer[start..];
        int commandEnd = rest.IndexOf((byte)'\n');
        if (commandEnd < 0)
        {
            ThrowIfTooLong(rest.Length);
            return false;
        }

        var command = TrimCr(rest[..commandEnd]);
        if (command.IsEmpty || command.ContainsAnyExceptInRange((byte)'A', (byte)'Z'))
        {
            throw new InvalidDataException($"not a STOMP command: '{Encoding.UTF8.GetString(command)}'");
        }

        // The header block ends with an empty line: LF LF, or CR LF CR LF, or a mix.
        int headersStart = commandEnd + 1;
        int position = headersStart;
        int headersEnd = -1;
        while (position < rest.Length)
        {
            int lineEnd = rest[position..].IndexOf((byte)'\n');
            if (lineEnd < 0)
            {
                break;
            }

            if (TrimCr(rest.Slice(position, lineEnd)).IsEmpty)
            {
                headersEnd = position;
                position += lineEnd + 1;
                break;
            }

            position += lineEnd + 1;
        }

        if (headersEnd < 0)
        {
            ThrowIfTooLong(rest.Length);
            return false;
        }

        var headers = rest[headersStart..headersEnd];
        int bodyStart = position;
        int bodyEnd;
        if (TryGetHeader(headers, "content-length"u8, out var lengthText))
        {
            if (!Utf8Parser.TryParse(lengthText, out int length, out int digits) || digits != lengthText.Length || length < 0)
            {
                throw new InvalidDataException($"a STOMP frame with content-length '{Encoding.UTF8.GetString(lengthText)}'");
            }

            ThrowIfTooLong(bodyStart + length);
            if (rest.Length < bodyStart + length + 1)
            {
                return false;
            }

            bodyEnd = bodyStart + length;
            if (rest[bodyEnd] != 0)
            {
                throw new InvalidDataException("a STOMP frame whose body is not followed by NUL after content-length bytes");
            }
        }
        else
        {
            int nul = rest[bodyStart..].IndexOf((byte)0);
            if (nul < 0)
            {
                ThrowIfTooLong(rest.Length);
                return false;
            }

            bodyEnd = bodyStart + nul;
        }

        frame = new StompWireFrame(command, headers, rest[bodyStart..bodyEnd]);
        consumed = start + bodyEnd + 1;
        return true;
    }

    public bool Is(ReadOnlySpan<byte> command) => Command.SequenceEqual(command);

    /// <summary>The first value of header <paramref name="name"/>, as it is on the wire (escaped).</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => TryGetHeader(Headers, name, out value);

    /// <summary>The first value of <paramref name="name"/>, unescaped (STOMP 1.2), or null.</summary>
    public string? HeaderText(ReadOnlySpan<byte> name) => TryGetHeader(name, out var value) ? Unescape(value) : null;

    /// <summary>What a broker's ERROR frame says: its <c>message</c> header and its body.</summary>
    public string Describe()
    {
        string message = HeaderText("message"u8) ?? "(no message header)";
        string body = Encoding.UTF8.GetString(Body).Trim();
        return body.Length == 0 ? message : $"{message}: {body}";
    }

    /// <summary>Undoes STOMP 1.2 header escaping: <c>\\</c>, <c>\n</c>, <c>\r</c>, <c>\c</c>.</summary>
    public static string Unescape(ReadOnlySpan<byte> value)
    {
        string text = Encoding.UTF8.GetString(value);
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                result.Append(text[i]);
                continue;
            }

            result.Append(text[++i] switch
            {
                'n' => '\n',
                'r' => '\r',
                'c' => ':',
                var other => other,
            });
        }

        return result.ToString();
    }

    private static bool TryGetHeader(ReadOnlySpan<byte> headers, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (!headers.IsEmpty)
        {
            int lineEnd = headers.IndexOf((byte)'\n');
            var line = TrimCr(lineEnd < 0 ? headers : headers[..lineEnd]);
            headers = lineEnd < 0 ? default : headers[(lineEnd + 1)..];
            if (line.Length > name.Length && line[name.Length] == (byte)':' && line.StartsWith(name))
            {
                value = line[(name.Length + 1)..];
                return true;
            }
        }

        value = default;
        return false;
    }

    private static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        !line.IsEmpty && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static void ThrowIfTooLong(int length)
    {
        if (length > MaxFrameBytes)
        {
            throw new InvalidDataException($"a STOMP frame longer than {MaxFrameBytes} bytes");
        }
    }
}
