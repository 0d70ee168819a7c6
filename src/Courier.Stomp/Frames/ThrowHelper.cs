using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Courier.Stomp.Frames;

/// <summary>Throw sites kept out of line so the reader's hot methods stay small.</summary>
internal static class ThrowHelper
{
    private const int QuotedBytes = 40;

    [DoesNotReturn]
    public static void ThrowMalformed(string message) => throw new StompProtocolException(message);

    [DoesNotReturn]
    public static void ThrowUnknownCommand(ReadOnlySpan<byte> line) =>
        throw new StompProtocolException($"unknown command '{Printable(line)}'");

    [DoesNotReturn]
    public static void ThrowNoColon(ReadOnlySpan<byte> line) =>
        throw new StompProtocolException($"header line without a colon: '{Printable(line)}'");

    [DoesNotReturn]
    public static void ThrowUndefinedEscape(byte escaped, bool atEnd) =>
        throw new StompProtocolException(atEnd
            ? "header ends in a lone backslash"
            : $"undefined escape sequence '\\{Printable([escaped])}' in a header");

    [DoesNotReturn]
    public static void ThrowBadContentLength(string value) =>
        throw new StompProtocolException($"content-length '{Printable(Encoding.UTF8.GetBytes(value))}' is not a non-negative decimal integer");

    [DoesNotReturn]
    public static void ThrowCannotEncode(string message) => throw new ArgumentException(message);

    /// <summary>At most <see cref="QuotedBytes"/> bytes of input, ASCII kept and everything else as \xNN, so a hostile line cannot bend the ERROR frame.</summary>
    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes[..Math.Min(bytes.Length, QuotedBytes)])
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'\\' and not (byte)':')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return bytes.Length > QuotedBytes ? text.Append("...").ToString() : text.ToString();
    }
}
