using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Courier.Core.Messages;

/// <summary>
/// The one decoder for text the broker interprets, whatever protocol it came by: names (queue,
/// exchange, vhost, topic, destination), routing keys, tags, user names and passwords, and argument
/// values that become names or behaviour (<c>x-dead-letter-exchange</c>, <c>alternate-exchange</c>,
/// <c>x-match</c>, …). It refuses invalid UTF-8 (overlong forms and encoded surrogates included)
/// instead of rewriting it to U+FFFD: rewritten, <c>bad\xff</c> and <c>bad\xfe</c> would both become
/// <c>bad\uFFFD</c> and name the same queue. Each caller answers a refusal with its protocol's error
/// (docs/amqp.md, docs/mqtt.md, docs/stomp.md); bytes the broker only carries are never decoded.
/// </summary>
public static class StrictUtf8
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

        value = bytes.IsEmpty ? string.Empty : Encoding.GetString(bytes);
        return true;
    }
}
