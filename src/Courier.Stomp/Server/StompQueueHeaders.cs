using System.Globalization;
using Courier.Core;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// The queue-declaration headers RabbitMQ's plugin reads on SUBSCRIBE and SEND (<c>x-queue-type</c>,
/// <c>x-max-length</c>, <c>x-message-ttl</c>, <c>x-dead-letter-exchange</c>, ...): each becomes the
/// queue argument of the same name, typed as AMQP clients send it, and the core validates them as it
/// validates an AMQP queue.declare's (a bad value or an unsupported queue type is refused).
/// </summary>
internal static class StompQueueHeaders
{
    /// <summary>Names a subscription's queue (a durable topic subscription's, say), as RabbitMQ's <c>x-queue-name</c>.</summary>
    public const string QueueName = "x-queue-name";

    private static readonly HashSet<string> Integers = new(StringComparer.Ordinal)
    {
        "x-expires", "x-max-length", "x-max-length-bytes", "x-max-priority", "x-message-ttl", "x-delivery-limit",
        "x-queue-version", "x-stream-max-segment-size-bytes",
    };

    private static readonly HashSet<string> Texts = new(StringComparer.Ordinal)
    {
        "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-overflow", "x-queue-mode", "x-queue-type",
        "x-queue-master-locator", "x-queue-leader-locator", "x-max-age",
    };

    private static readonly HashSet<string> Booleans = new(StringComparer.Ordinal) { "x-single-active-consumer" };

    public static bool IsQueueHeader(string name) => Integers.Contains(name) || Texts.Contains(name) || Booleans.Contains(name);

    /// <summary>The queue arguments a frame's headers give (first entry of each name).</summary>
    /// <exception cref="BrokerException">PreconditionFailed for a value of the wrong type, as queue.declare refuses it.</exception>
    public static Dictionary<string, object?> ArgumentsOf(StompFrame frame)
    {
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in frame.Headers)
        {
            if (arguments.ContainsKey(name))
            {
                continue;
            }

            if (Integers.Contains(name))
            {
                arguments[name] = long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                    ? number
                    : throw BrokerException.PreconditionFailed($"invalid arg '{name}': must be an integer, not '{value}'");
            }
            else if (Texts.Contains(name))
            {
                arguments[name] = value;
            }
            else if (Booleans.Contains(name))
            {
                arguments[name] = value switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw BrokerException.PreconditionFailed($"invalid arg '{name}': must be true or false, not '{value}'"),
                };
            }
        }

        return arguments;
    }
}
