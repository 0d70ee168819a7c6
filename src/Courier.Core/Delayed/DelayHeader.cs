using System.Globalization;
using Courier.Core.Messages;

namespace Courier.Core.Delayed;

/// <summary>
/// The <c>x-delay</c> message header as RabbitMQ's delayed-message plugin reads it: milliseconds as
/// an integer of any width, a float or decimal (truncated) or a string of digits. A message is
/// delayed only when the delay is above 0 and at most 2^32 - 1 ms (the plugin's limit, about 49.7
/// days); anything else (absent, zero, negative, not a number, beyond the limit) is routed at once.
/// When a delayed message is routed, the header is set to minus the delay, as the plugin does, so
/// it is not delayed again by another delayed exchange and consumers can tell it was delayed.
/// </summary>
public static class DelayHeader
{
    public const string Name = "x-delay";

    /// <summary>The longest delay the plugin accepts (Erlang's largest timer).</summary>
    public const long MaxDelay = uint.MaxValue;

    /// <summary>True, with the delay in milliseconds, when <paramref name="message"/> asks to be delayed.</summary>
    public static bool TryGetDelay(Message message, out long delay)
    {
        delay = 0;
        var headers = message.Properties.Headers;
        if (headers is null || !headers.TryGetValue(Name, out var value))
        {
            return false;
        }

        if (FieldTable.TryGetInt64(headers, Name, out var integer))
        {
            delay = integer;
        }
        else
        {
            switch (value)
            {
                case float f when float.IsFinite(f) && Math.Abs(f) < MaxDelay + 1.0f:
                    delay = (long)f;
                    break;
                case double d when double.IsFinite(d) && Math.Abs(d) < MaxDelay + 1.0:
                    delay = (long)d;
                    break;
                case decimal m when Math.Abs(m) < MaxDelay + 1m:
                    delay = (long)m;
                    break;
                default:
                    var text = FieldTable.GetString(headers, Name);
                    if (text is null || !long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out delay))
                    {
                        return false;
                    }

                    break;
            }
        }

        return delay is > 0 and <= MaxDelay;
    }

    /// <summary>The message as it is routed when due: the same, with <c>x-delay</c> set to minus the delay.</summary>
    public static Message MarkRouted(Message message, long delay)
    {
        var headers = new Dictionary<string, object?>(message.Properties.Headers ?? FieldTable.Empty, StringComparer.Ordinal)
        {
            // A signed 32-bit integer as the plugin writes it, when the delay fits in one.
            [Name] = delay <= int.MaxValue ? (object)(-(int)delay) : -delay,
        };
        var properties = message.Properties.Clone();
        properties.Headers = headers;
        return new Message(message.Exchange, message.RoutingKey, properties, message.Body, message.Annotations);
    }
}
