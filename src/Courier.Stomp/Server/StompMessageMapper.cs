using System.Globalization;
using System.Text;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// SEND headers to the neutral message and the message back to MESSAGE headers
/// (docs/protocol-mapping.md, STOMP column), as RabbitMQ's plugin maps them to AMQP properties:
/// <c>content-type</c>, <c>content-encoding</c>, <c>persistent</c>, <c>priority</c>,
/// <c>correlation-id</c>, <c>reply-to</c>, <c>expiration</c>, <c>amqp-message-id</c>,
/// <c>timestamp</c>, <c>type</c>, <c>user-id</c> and <c>app-id</c> to their properties; every
/// other header to a header of the message, as text.
/// </summary>
internal static class StompMessageMapper
{
    public const string Persistent = "persistent";
    public const string Priority = "priority";
    public const string CorrelationId = "correlation-id";
    public const string ReplyTo = "reply-to";
    public const string Expiration = "expiration";
    public const string AmqpMessageId = "amqp-message-id";
    public const string ContentEncoding = "content-encoding";
    public const string Timestamp = "timestamp";
    public const string Type = "type";
    public const string UserId = "user-id";
    public const string AppId = "app-id";
    public const string Redelivered = "redelivered";

    /// <summary>Headers of SEND that steer the frame or became a property: never copied into the message's headers.</summary>
    private static readonly HashSet<string> NotCopied = new(StringComparer.Ordinal)
    {
        StompHeaderNames.Destination, StompHeaderNames.Receipt, StompHeaderNames.Transaction, StompHeaderNames.ContentLength,
        StompHeaderNames.ContentType, ContentEncoding, Persistent, Priority, CorrelationId, ReplyTo, Expiration, AmqpMessageId,
        Timestamp, Type, UserId, AppId,
    };

    /// <summary>Headers a MESSAGE frame writes itself: a message header of the same name is not written again.</summary>
    private static readonly HashSet<string> Written = new(StringComparer.Ordinal)
    {
        StompHeaderNames.Destination, StompHeaderNames.Subscription, StompHeaderNames.MessageId, StompHeaderNames.Ack,
        StompHeaderNames.ContentLength, StompHeaderNames.ContentType, ContentEncoding, Persistent, Priority, CorrelationId,
        ReplyTo, Expiration, AmqpMessageId, Timestamp, Type, UserId, AppId, Redelivered, StompHeaderNames.Receipt, StompHeaderNames.Transaction,
    };

    /// <summary>The properties of a SEND; <paramref name="replyTo"/> is its <c>reply-to</c> after a <c>/temp-queue/</c> was rewritten.</summary>
    /// <exception cref="BrokerException">PreconditionFailed for a property header whose value is not valid.</exception>
    public static MessageProperties ToProperties(StompFrame frame, string? replyTo)
    {
        var properties = new MessageProperties
        {
            Persistence = string.Equals(frame[Persistent], "true", StringComparison.Ordinal) ? DeliveryPersistence.Persistent : DeliveryPersistence.Transient,
            ContentType = frame.ContentType,
            ContentEncoding = frame[ContentEncoding],
            ReplyTo = replyTo,
            MessageId = frame[AmqpMessageId],
            Type = frame[Type],
            UserId = frame[UserId],
            AppId = frame[AppId],
        };
        if (frame[CorrelationId] is { } correlation)
        {
            properties.CorrelationId = Encoding.UTF8.GetBytes(correlation);
        }

        if (frame[Priority] is { } priority)
        {
            properties.Priority = byte.TryParse(priority, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw BrokerException.PreconditionFailed($"priority '{priority}' is not an integer from 0 to 255");
        }

        if (frame[Expiration] is { } expiration)
        {
            properties.ExpiryMilliseconds = long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds)
                ? milliseconds
                : throw BrokerException.PreconditionFailed($"invalid expiration '{expiration}': it must be a non-negative number of milliseconds");
        }

        if (frame[Timestamp] is { } timestamp)
        {
            properties.Timestamp = long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? new Timestamp(seconds)
                : throw BrokerException.PreconditionFailed($"timestamp '{timestamp}' is not a number of seconds");
        }

        Dictionary<string, object?>? headers = null;
        foreach (var (name, value) in frame.Headers)
        {
            if (!NotCopied.Contains(name) && !StompQueueHeaders.IsQueueHeader(name))
            {
                // A repeated header keeps its first value (1.2 "Repeated Header Entries").
                (headers ??= new Dictionary<string, object?>(StringComparer.Ordinal)).TryAdd(name, value);
            }
        }

        properties.Headers = headers;
        return properties;
    }

    /// <summary>The headers of a MESSAGE frame for a delivery (the frame's own ones first, as RabbitMQ orders them).</summary>
    /// <remarks>
    /// The general form, which the fast encoder (<see cref="StompMessageEncoding"/>) must match byte
    /// for byte: the tests compare the two.
    /// </remarks>
    public static List<StompHeader> ToHeaders(Message message, string subscription, string destination, string messageId, bool withAck, bool redelivered)
    {
        var headers = new List<StompHeader>(8 + (message.Properties.Headers?.Count ?? 0))
        {
            new(StompHeaderNames.Subscription, subscription),
            new(StompHeaderNames.Destination, destination),
            new(StompHeaderNames.MessageId, messageId),
        };
        if (withAck)
        {
            headers.Add(new(StompHeaderNames.Ack, messageId));
        }

        headers.Add(new(Redelivered, redelivered ? "true" : "false"));
        var sink = new ListSink(headers);
        MapProperties(message, ref sink);
        return headers;
    }

    /// <summary>
    /// The headers a MESSAGE carries for the message itself, the same for every delivery of it: its
    /// properties, then its own headers as text, in that order (after <c>redelivered</c>).
    /// </summary>
    public static void MapProperties<TSink>(Message message, ref TSink sink)
        where TSink : IStompHeaderSink, allows ref struct
    {
        var source = message.Properties;
        Add(ref sink, StompHeaderNames.ContentType, source.ContentType);
        Add(ref sink, ContentEncoding, source.ContentEncoding);
        if (source.IsPersistent)
        {
            sink.Add(Persistent, "true");
        }

        if (source.Priority is { } priority)
        {
            sink.Add(Priority, priority.ToString(CultureInfo.InvariantCulture));
        }

        // Correlation data another protocol set as bytes that are not UTF-8 (an MQTT 5 client's
        // binary) has no STOMP text: left out rather than rewritten to U+FFFD.
        if (source.CorrelationId is { } correlation && StrictUtf8.TryDecode(correlation, out var correlationText))
        {
            sink.Add(CorrelationId, correlationText);
        }

        if (source.ReplyTo is { Length: > 0 } replyTo)
        {
            // An AMQP reply-to is a queue name: a STOMP client replies to it through /reply-queue/.
            sink.Add(ReplyTo, replyTo.StartsWith('/') ? replyTo : StompDestination.ReplyQueue(replyTo));
        }

        if (source.ExpiryMilliseconds is { } expiry)
        {
            sink.Add(Expiration, expiry.ToString(CultureInfo.InvariantCulture));
        }

        Add(ref sink, AmqpMessageId, source.MessageId);
        if (source.Timestamp is { } timestamp)
        {
            sink.Add(Timestamp, timestamp.UnixSeconds.ToString(CultureInfo.InvariantCulture));
        }

        Add(ref sink, Type, source.Type);
        Add(ref sink, UserId, source.UserId);
        Add(ref sink, AppId, source.AppId);
        if (source.Headers is { Count: > 0 } table)
        {
            foreach (var (name, value) in table)
            {
                if (name.Length > 0 && !Written.Contains(name) && AsText(value) is { } text)
                {
                    sink.Add(name, text);
                }
            }
        }
    }

    private static void Add<TSink>(ref TSink sink, string name, string? value)
        where TSink : IStompHeaderSink, allows ref struct
    {
        if (value is not null)
        {
            sink.Add(name, value);
        }
    }

    private readonly struct ListSink(List<StompHeader> headers) : IStompHeaderSink
    {
        public void Add(string name, string value) => headers.Add(new(name, value));
    }

    /// <summary>A header value as STOMP text: strings (and AMQP long strings) as they are, numbers and booleans printed; tables, lists, binary and long strings that are not well-formed UTF-8 left out (never rewritten to U+FFFD).</summary>
    private static string? AsText(object? value) => value switch
    {
        string s => s,
        byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? text : null,
        bool b => b ? "true" : "false",
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
            Convert.ToString(value, CultureInfo.InvariantCulture),
        _ => null,
    };
}
