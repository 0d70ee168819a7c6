using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>What a queue does when a publish would take it past <c>x-max-length</c> or <c>x-max-length-bytes</c>.</summary>
public enum OverflowBehaviour
{
    /// <summary>Drop (or dead-letter) the oldest ready messages to make room: RabbitMQ's default.</summary>
    DropHead,

    /// <summary>Refuse the new message; a confirming publisher gets <c>basic.nack</c>.</summary>
    RejectPublish,

    /// <summary>As <see cref="RejectPublish"/>, and the refused message is dead-lettered.</summary>
    RejectPublishDlx,
}

/// <summary>
/// A queue's declare arguments, validated and parsed once when the queue is declared, as RabbitMQ
/// validates them (<c>rabbit_amqqueue:declare_args</c>): a value of the wrong type or out of range
/// is refused with 406 PRECONDITION_FAILED naming the argument and the reason.
/// </summary>
/// <remarks>
/// Arguments Courier does not know (a client's bookkeeping, another plugin's keys) are kept and
/// ignored, as RabbitMQ ignores them. Those it knows and gives no effect on a single node
/// (<c>x-queue-mode</c>, <c>x-queue-version</c>, the leader locators) are validated and documented
/// in docs/amqp.md.
/// </remarks>
public sealed record QueueArguments
{
    public static readonly QueueArguments None = new();

    /// <summary>Per-queue message TTL in milliseconds (<c>x-message-ttl</c>).</summary>
    public long? MessageTtl { get; init; }

    /// <summary>How long the queue may go unused before it deletes itself, in milliseconds (<c>x-expires</c>).</summary>
    public long? Expires { get; init; }

    public long? MaxLength { get; init; }

    public long? MaxLengthBytes { get; init; }

    public OverflowBehaviour Overflow { get; init; }

    public string? DeadLetterExchange { get; init; }

    public string? DeadLetterRoutingKey { get; init; }

    /// <summary>The highest message priority the queue tells apart (<c>x-max-priority</c>); null: not a priority queue.</summary>
    public byte? MaxPriority { get; init; }

    public bool SingleActiveConsumer { get; init; }

    /// <summary>How often a message may be returned before it is dead-lettered or dropped (<c>x-delivery-limit</c>).</summary>
    public long? DeliveryLimit { get; init; }

    /// <summary>
    /// The queue refuses a message whose <c>x-deduplication-header</c> a message it holds already
    /// carries (<c>x-message-deduplication</c>, the rabbitmq-message-deduplication plugin's queue argument).
    /// </summary>
    public bool Deduplicate { get; init; }

    /// <summary>True when the queue needs none of the per-message work these arguments cost.</summary>
    public bool IsPlain => ReferenceEquals(this, None);

    /// <summary>
    /// Parses and validates <paramref name="arguments"/>.
    /// </summary>
    /// <param name="what">The queue as messages name it: <c>queue 'q' in vhost '/'</c>.</param>
    /// <exception cref="BrokerException">PreconditionFailed for an argument of the wrong type or value.</exception>
    public static QueueArguments Parse(IReadOnlyDictionary<string, object?> arguments, string what)
    {
        if (arguments.Count == 0)
        {
            return None;
        }

        var parsed = new QueueArguments
        {
            MessageTtl = NonNegative(arguments, "x-message-ttl", what),
            Expires = Positive(arguments, "x-expires", what),
            MaxLength = NonNegative(arguments, "x-max-length", what),
            MaxLengthBytes = NonNegative(arguments, "x-max-length-bytes", what),
            Overflow = ParseOverflow(arguments, what),
            DeadLetterExchange = Text(arguments, "x-dead-letter-exchange", what),
            DeadLetterRoutingKey = Text(arguments, "x-dead-letter-routing-key", what),
            MaxPriority = ParseMaxPriority(arguments, what),
            SingleActiveConsumer = Boolean(arguments, "x-single-active-consumer", what),
            DeliveryLimit = NonNegative(arguments, "x-delivery-limit", what),
            Deduplicate = Boolean(arguments, "x-message-deduplication", what),
        };

        if (parsed.DeadLetterRoutingKey is not null && parsed.DeadLetterExchange is null)
        {
            throw Invalid("x-dead-letter-routing-key", what, "it must be given together with x-dead-letter-exchange");
        }

        OneOf(arguments, "x-queue-mode", what, "default", "lazy");
        OneOf(arguments, "x-queue-master-locator", what, "client-local", "min-masters", "random", "balanced");
        OneOf(arguments, "x-queue-leader-locator", what, "client-local", "balanced");
        if (Integer(arguments, "x-queue-version", what) is { } version && version is not (1 or 2))
        {
            throw Invalid("x-queue-version", what, $"must be 1 or 2, not {version}");
        }

        return parsed == None ? None : parsed;
    }

    /// <summary>
    /// Parses the arguments of a queue saved by an earlier run: an argument that no longer
    /// validates (older builds accepted anything) is left without effect rather than losing the
    /// queue, and <paramref name="warn"/> is told which and why.
    /// </summary>
    public static QueueArguments ParseSaved(IReadOnlyDictionary<string, object?> arguments, string what, Action<string> warn)
    {
        try
        {
            return Parse(arguments, what);
        }
        catch (BrokerException invalid)
        {
            warn(invalid.Message);
            var kept = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in arguments)
            {
                try
                {
                    Parse(new Dictionary<string, object?> { [key] = value }, what);
                    kept[key] = value;
                }
                catch (BrokerException)
                {
                    // The invalid one; the others keep their effect.
                }
            }

            try
            {
                return Parse(kept, what);
            }
            catch (BrokerException)
            {
                return None;
            }
        }
    }

    private static long? Integer(IReadOnlyDictionary<string, object?> arguments, string key, string what)
    {
        if (!arguments.TryGetValue(key, out var value))
        {
            return null;
        }

        if (!FieldTable.TryGetInt64(arguments, key, out var number))
        {
            throw Invalid(key, what, $"must be an integer, not {Describe(value)}");
        }

        return number;
    }

    private static long? NonNegative(IReadOnlyDictionary<string, object?> arguments, string key, string what)
    {
        var number = Integer(arguments, key, what);
        if (number < 0)
        {
            throw Invalid(key, what, $"must not be negative, got {number}");
        }

        return number;
    }

    private static long? Positive(IReadOnlyDictionary<string, object?> arguments, string key, string what)
    {
        var number = Integer(arguments, key, what);
        if (number <= 0)
        {
            throw Invalid(key, what, $"must be a positive integer, got {number}");
        }

        return number;
    }

    private static byte? ParseMaxPriority(IReadOnlyDictionary<string, object?> arguments, string what)
    {
        var number = NonNegative(arguments, "x-max-priority", what);
        if (number > byte.MaxValue)
        {
            throw Invalid("x-max-priority", what, $"must be at most 255, got {number}");
        }

        return number is { } priority ? (byte)priority : null;
    }

    private static string? Text(IReadOnlyDictionary<string, object?> arguments, string key, string what)
    {
        if (!arguments.TryGetValue(key, out var value))
        {
            return null;
        }

        return value switch
        {
            string text => text,
            byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? text : throw Invalid(key, what, FieldTable.NotUtf8),
            _ => throw Invalid(key, what, $"must be a string, not {Describe(value)}"),
        };
    }

    private static bool Boolean(IReadOnlyDictionary<string, object?> arguments, string key, string what)
    {
        if (!arguments.TryGetValue(key, out var value))
        {
            return false;
        }

        return value is bool flag ? flag : throw Invalid(key, what, $"must be a boolean, not {Describe(value)}");
    }

    private static void OneOf(IReadOnlyDictionary<string, object?> arguments, string key, string what, params string[] allowed)
    {
        if (Text(arguments, key, what) is { } text && Array.IndexOf(allowed, text) < 0)
        {
            throw Invalid(key, what, $"'{text}' is not one of: {string.Join(", ", allowed)}");
        }
    }

    private static OverflowBehaviour ParseOverflow(IReadOnlyDictionary<string, object?> arguments, string what) =>
        Text(arguments, "x-overflow", what) switch
        {
            null or "drop-head" => OverflowBehaviour.DropHead,
            "reject-publish" => OverflowBehaviour.RejectPublish,
            "reject-publish-dlx" => OverflowBehaviour.RejectPublishDlx,
            var other => throw Invalid("x-overflow", what, $"'{other}' is not one of: drop-head, reject-publish, reject-publish-dlx"),
        };

    private static string Describe(object? value) => value switch
    {
        null => "void",
        string or byte[] => "a string",
        bool => "a boolean",
        float or double or decimal => "a number with a fraction",
        IReadOnlyDictionary<string, object?> => "a table",
        IReadOnlyList<object?> => "an array",
        _ => value.GetType().Name,
    };

    private static BrokerException Invalid(string key, string what, string reason) => FieldTable.InvalidArgument(key, what, reason);
}
