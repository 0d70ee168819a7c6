using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Courier.Amqp091.Mapping;

/// <summary>
/// Decodes the text the broker interprets (queue, exchange and vhost names, routing keys, consumer
/// tags, user names) with a decoder that refuses invalid UTF-8 instead of rewriting it to U+FFFD:
/// rewritten, <c>bad\xff</c> and <c>bad\xfe</c> would both become <c>bad\uFFFD</c> and name the same
/// queue. Callers answer a refusal with 502 SYNTAX_ERROR, as for any other illegal field value.
/// </summary>
internal static class StrictUtf8
{
    private static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? value)
    {
        // Valid input is the rule: check it without an exception, and decode once.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            value = null;
            return false;
        }

        value = Encoding.GetString(bytes);
        return true;
    }

    /// <exception cref="WireFormatException">The bytes are not well-formed UTF-8.</exception>
    public static string Decode(ReadOnlySpan<byte> bytes, string what) =>
        TryDecode(bytes, out var value) ? value : throw new WireFormatException($"{what} is not well-formed UTF-8");
}
