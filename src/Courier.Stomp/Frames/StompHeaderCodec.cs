using System.Buffers;
using System.Text;
using Courier.Core.Messages;

namespace Courier.Stomp.Frames;

/// <summary>
/// Header lines to <see cref="StompHeader"/> and back: the split at the first colon, 1.0's trimming,
/// the escape sequences of 1.1 and 1.2, UTF-8. A colon after the first is part of the value, as
/// RabbitMQ and ActiveMQ read it (1.2's grammar leaves it out of values, but CONNECT frames cannot
/// escape one and 1.0 never could).
/// </summary>
internal static class StompHeaderCodec
{
    private const int StackLimit = 256;

    /// <summary>Throws on a lone surrogate instead of writing U+FFFD, so what is written is what the reader gives back.</summary>
    private static readonly UTF8Encoding ThrowingUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly byte[][] CommonNames = [.. StompHeaderNames.Common.Select(Encoding.UTF8.GetBytes)];

    /// <exception cref="StompProtocolException">No colon, an empty name, an undefined escape, or bytes that are not UTF-8.</exception>
    public static StompHeader Decode(ReadOnlySpan<byte> line, StompHeaderEscaping escaping, bool trim)
    {
        var colon = line.IndexOf((byte)':');
        if (colon < 0)
        {
            ThrowHelper.ThrowNoColon(line);
        }

        var name = line[..colon];
        var value = line[(colon + 1)..];
        if (trim)
        {
            // 1.0 gave whitespace around names and values no meaning; ActiveMQ and RabbitMQ trim it.
            name = name.Trim(" \t\r"u8);
            value = value.Trim(" \t\r"u8);
        }

        if (name.IsEmpty)
        {
            ThrowHelper.ThrowMalformed("header with an empty name");
        }

        return new StompHeader(DecodeName(name, escaping), DecodeText(value, escaping));
    }

    private static string DecodeName(ReadOnlySpan<byte> raw, StompHeaderEscaping escaping)
    {
        for (var i = 0; i < CommonNames.Length; i++)
        {
            if (raw.SequenceEqual(CommonNames[i]))
            {
                return StompHeaderNames.Common[i];
            }
        }

        return DecodeText(raw, escaping);
    }

    private static string DecodeText(ReadOnlySpan<byte> raw, StompHeaderEscaping escaping)
    {
        if (escaping == StompHeaderEscaping.None || raw.IndexOf((byte)'\\') < 0)
        {
            return Utf8String(raw);
        }

        byte[]? rented = null;
        var unescaped = raw.Length <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(raw.Length));
        try
        {
            return Utf8String(unescaped[..Unescape(raw, unescaped, escaping)]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static int Unescape(ReadOnlySpan<byte> raw, Span<byte> into, StompHeaderEscaping escaping)
    {
        var written = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == (byte)'\\')
            {
                if (++i == raw.Length)
                {
                    ThrowHelper.ThrowUndefinedEscape(0, atEnd: true);
                }

                b = raw[i] switch
                {
                    (byte)'n' => (byte)'\n',
                    (byte)'c' => (byte)':',
                    (byte)'\\' => (byte)'\\',
                    (byte)'r' when escaping == StompHeaderEscaping.V12 => (byte)'\r',
                    var other => Undefined(other),
                };
            }

            into[written++] = b;
        }

        return written;
    }

    private static byte Undefined(byte escaped)
    {
        ThrowHelper.ThrowUndefinedEscape(escaped, atEnd: false);
        return 0;
    }

    private static string Utf8String(ReadOnlySpan<byte> bytes)
    {
        if (!StrictUtf8.TryDecode(bytes, out var text))
        {
            ThrowHelper.ThrowMalformed($"header is not valid UTF-8: '{ThrowHelper.Printable(bytes)}'");
        }

        return text;
    }

    /// <summary>A <c>content-length</c> value: decimal digits only, as 1.2 writes it; no sign, no spaces, at most <see cref="int.MaxValue"/>.</summary>
    /// <exception cref="StompProtocolException">Anything else.</exception>
    public static int ParseContentLength(string value)
    {
        if (value.Length == 0 || value.Length > 10)
        {
            ThrowHelper.ThrowBadContentLength(value);
        }

        long length = 0;
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                ThrowHelper.ThrowBadContentLength(value);
            }

            length = (length * 10) + (c - '0');
        }

        if (length > int.MaxValue)
        {
            ThrowHelper.ThrowMalformed($"content-length {length} is larger than any frame can be");
        }

        return (int)length;
    }

    /// <summary>Writes a name or value with the escaping given, after checking that it can be written at all.</summary>
    /// <exception cref="ArgumentException">Text that the frame's framing cannot carry (see <see cref="CheckUnescaped"/>).</exception>
    public static void Write(IBufferWriter<byte> output, string text, StompHeaderEscaping escaping, bool isName, bool crLfEndsLines)
    {
        if (escaping == StompHeaderEscaping.None)
        {
            CheckUnescaped(text, isName, crLfEndsLines);
            WriteUtf8(output, text);
            return;
        }

        if (text.AsSpan().IndexOfAny("\\\n\r:\0") < 0)
        {
            WriteUtf8(output, text);
            return;
        }

        var escaped = ArrayPool<char>.Shared.Rent(text.Length * 2);
        try
        {
            var length = 0;
            foreach (var c in text)
            {
                switch (c)
                {
                    case '\0':
                        ThrowHelper.ThrowCannotEncode("a header cannot hold NUL");
                        break;
                    case '\\' or '\n' or ':':
                        escaped[length++] = '\\';
                        escaped[length++] = c switch { '\n' => 'n', ':' => 'c', _ => '\\' };
                        break;
                    case '\r' when escaping == StompHeaderEscaping.V12:
                        escaped[length++] = '\\';
                        escaped[length++] = 'r';
                        break;
                    default:
                        // A CR in 1.1 goes as it is: 1.1 ends lines with LF alone, so the reader keeps it.
                        escaped[length++] = c;
                        break;
                }
            }

            WriteUtf8(output, escaped.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(escaped);
        }
    }

    /// <summary>
    /// Without escaping, a name may hold neither colon nor LF, a value no LF, neither a NUL; and where
    /// CR LF ends lines a value may not end in CR (it would be read as part of the line ending).
    /// 1.0 readers trim whitespace around both, which is the one loss this allows.
    /// </summary>
    private static void CheckUnescaped(string text, bool isName, bool crLfEndsLines)
    {
        if (text.AsSpan().IndexOfAny(isName ? ":\n\0" : "\n\0") >= 0)
        {
            ThrowHelper.ThrowCannotEncode($"header {(isName ? "name" : "value")} '{text}' holds a character this frame cannot carry unescaped");
        }

        if (!isName && crLfEndsLines && text.EndsWith('\r'))
        {
            ThrowHelper.ThrowCannotEncode($"header value '{text}' ends in CR, which this frame's reader takes as part of the line ending");
        }
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        // EncoderFallbackException, for a lone surrogate, is an ArgumentException like every other refusal here.
        var span = output.GetSpan(ThrowingUtf8.GetMaxByteCount(text.Length));
        output.Advance(ThrowingUtf8.GetBytes(text, span));
    }
}
