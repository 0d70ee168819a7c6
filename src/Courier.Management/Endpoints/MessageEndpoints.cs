using System.Text;
using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// Publish and get for testing, as RabbitMQ's API: <c>POST /api/exchanges/{vhost}/{name}/publish</c>
/// and <c>POST /api/queues/{vhost}/{name}/get</c>. A persistent message routed to a durable queue is
/// answered only once the journal has it, as a publisher confirm would be.
/// </summary>
internal static class MessageEndpoints
{
    public static async Task PublishAsync(ApiRequest r)
    {
        var virtualHost = r.VirtualHost();
        var exchange = ExchangeEndpoints.Find(virtualHost, r["name"]);
        var body = await r.BodyAsync().ConfigureAwait(false);
        FieldValues.OnlyKnown(body, "properties", "routing_key", "payload", "payload_encoding", "props", "vhost", "name", "exchange", "delivery_mode", "headers");
        if (body["delivery_mode"] is not null || body["headers"] is not null)
        {
            throw ApiException.BadRequest("delivery_mode and headers go inside properties");
        }

        r.Broker.Authorize(r.User, virtualHost, AccessKind.Write, "exchange", exchange.Name);
        var routingKey = FieldValues.String(body, "routing_key") ?? throw ApiException.BadRequest("routing_key is missing");
        var payload = FieldValues.String(body, "payload") ?? throw ApiException.BadRequest("payload is missing");
        var bytes = (FieldValues.String(body, "payload_encoding") ?? throw ApiException.BadRequest("payload_encoding is missing")) switch
        {
            "string" => Encoding.UTF8.GetBytes(payload),
            "base64" => Base64(payload),
            var other => throw ApiException.BadRequest($"payload_encoding must be string or base64, not '{other}'"),
        };
        var properties = Properties(body["properties"] as JsonObject ?? body["props"] as JsonObject ?? []);
        if (exchange.Type == Core.Exchanges.ExchangeTypes.Topic)
        {
            r.Broker.AuthorizeTopic(r.User, virtualHost, AccessKind.Write, exchange.Name, routingKey);
        }

        var result = new RoutingResult();
        var position = virtualHost.Publish(exchange, new Message(exchange.Name, routingKey, properties, bytes), result);
        if (position > 0 && r.Broker.Store is { } store)
        {
            var waiter = new DurableWaiter();
            store.WhenDurable(position, waiter);
            await waiter.Task.WaitAsync(r.Http.RequestAborted).ConfigureAwait(false);
        }

        await r.WriteAsync(new JsonObject { ["routed"] = result.IsRouted && !result.Refused }).ConfigureAwait(false);
    }

    public static async Task GetAsync(ApiRequest r)
    {
        var virtualHost = r.VirtualHost();
        var queue = QueueEndpoints.Find(virtualHost, r["name"]);
        var body = await r.BodyAsync().ConfigureAwait(false);
        FieldValues.OnlyKnown(body, "count", "ackmode", "encoding", "truncate", "vhost", "name", "queue");
        r.Broker.Authorize(r.User, virtualHost, AccessKind.Read, "queue", queue.Name);
        var ackMode = FieldValues.String(body, "ackmode") ?? throw ApiException.BadRequest("[{key_missing,ackmode}]");
        var encoding = FieldValues.String(body, "encoding") ?? throw ApiException.BadRequest("[{key_missing,encoding}]");
        if (ackMode is not ("ack_requeue_true" or "ack_requeue_false" or "reject_requeue_true" or "reject_requeue_false"))
        {
            throw ApiException.BadRequest($"ackmode must be ack_requeue_true, ack_requeue_false, reject_requeue_true or reject_requeue_false, not '{ackMode}'");
        }

        if (encoding is not ("auto" or "base64"))
        {
            throw ApiException.BadRequest($"encoding must be auto or base64, not '{encoding}'");
        }

        var count = FieldValues.Long(body, "count") ?? 1;
        var truncate = FieldValues.Long(body, "truncate");
        if (queue.ExclusiveOwner is not null)
        {
            throw new ApiException(405, "resource_locked", $"cannot obtain exclusive access to locked queue '{queue.Name}' in vhost '{virtualHost.Name}'");
        }

        var taken = new List<QueuedMessage>();
        var answer = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var remaining = queue.TryGet(autoSettle: false, out var message);
            if (message is null)
            {
                break;
            }

            taken.Add(message);
            answer.Add(Describe(message, remaining, encoding, truncate));
        }

        if (ackMode.EndsWith("requeue_true", StringComparison.Ordinal))
        {
            if (taken.Count > 0)
            {
                queue.Requeue(taken);
            }
        }
        else
        {
            foreach (var message in taken)
            {
                if (ackMode.StartsWith("ack", StringComparison.Ordinal))
                {
                    queue.Settle(message);
                }
                else
                {
                    queue.Reject(message);
                }
            }
        }

        await r.WriteAsync(answer).ConfigureAwait(false);
    }

    private static JsonObject Describe(QueuedMessage queued, int remaining, string encoding, long? truncate)
    {
        var message = queued.Message;
        var body = message.Body.Span;
        if (truncate is { } limit && limit < body.Length)
        {
            body = body[..(int)Math.Max(0, limit)];
        }

        string payload;
        string payloadEncoding;
        if (encoding == "auto" && IsUtf8(body))
        {
            payload = Encoding.UTF8.GetString(body);
            payloadEncoding = "string";
        }
        else
        {
            payload = Convert.ToBase64String(body);
            payloadEncoding = "base64";
        }

        return new JsonObject
        {
            ["payload_bytes"] = message.Body.Length,
            ["redelivered"] = queued.Redelivered,
            ["exchange"] = message.Exchange,
            ["routing_key"] = message.RoutingKey,
            ["message_count"] = remaining,
            ["properties"] = PropertiesJson(message.Properties),
            ["payload"] = payload,
            ["payload_encoding"] = payloadEncoding,
        };
    }

    private static bool IsUtf8(ReadOnlySpan<byte> bytes) => System.Text.Unicode.Utf8.IsValid(bytes);

    private static byte[] Base64(string payload)
    {
        try
        {
            return Convert.FromBase64String(payload);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("payload is not base64");
        }
    }

    private static MessageProperties Properties(JsonObject json)
    {
        FieldValues.OnlyKnown(json, "content_type", "content_encoding", "headers", "delivery_mode", "priority", "correlation_id", "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id");
        var properties = new MessageProperties
        {
            ContentType = FieldValues.String(json, "content_type"),
            ContentEncoding = FieldValues.String(json, "content_encoding"),
            ReplyTo = FieldValues.String(json, "reply_to"),
            MessageId = FieldValues.String(json, "message_id"),
            Type = FieldValues.String(json, "type"),
            UserId = FieldValues.String(json, "user_id"),
            AppId = FieldValues.String(json, "app_id"),
        };
        if (json["headers"] is not null)
        {
            properties.Headers = FieldValues.FromJson(json["headers"], "headers");
        }

        if (FieldValues.Long(json, "delivery_mode") is { } mode)
        {
            properties.Persistence = mode switch
            {
                1 => DeliveryPersistence.Transient,
                2 => DeliveryPersistence.Persistent,
                _ => throw ApiException.BadRequest($"delivery_mode must be 1 or 2, not {mode}"),
            };
        }

        if (FieldValues.Long(json, "priority") is { } priority)
        {
            properties.Priority = priority is >= 0 and <= 255 ? (byte)priority : throw ApiException.BadRequest("priority must be 0 to 255");
        }

        if (FieldValues.String(json, "correlation_id") is { } correlation)
        {
            properties.CorrelationId = Encoding.UTF8.GetBytes(correlation);
        }

        if (FieldValues.String(json, "expiration") is { } expiration)
        {
            properties.ExpiryMilliseconds = long.TryParse(expiration, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0
                ? ms
                : throw ApiException.BadRequest("expiration must be a number of milliseconds, as a string");
        }

        if (FieldValues.Long(json, "timestamp") is { } timestamp)
        {
            properties.Timestamp = new Timestamp(timestamp);
        }

        return properties;
    }

    private static JsonObject PropertiesJson(MessageProperties p)
    {
        var json = new JsonObject();
        Add(json, "content_type", p.ContentType);
        Add(json, "content_encoding", p.ContentEncoding);
        if (p.Headers is { Count: > 0 } headers)
        {
            json["headers"] = FieldValues.ToJson(headers);
        }

        if (p.Persistence is { } persistence)
        {
            json["delivery_mode"] = (int)persistence;
        }

        if (p.Priority is { } priority)
        {
            json["priority"] = priority;
        }

        Add(json, "correlation_id", p.CorrelationId is { } c ? Encoding.UTF8.GetString(c) : null);
        Add(json, "reply_to", p.ReplyTo);
        Add(json, "expiration", p.ExpiryMilliseconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add(json, "message_id", p.MessageId);
        if (p.Timestamp is { } timestamp)
        {
            json["timestamp"] = timestamp.UnixSeconds;
        }

        Add(json, "type", p.Type);
        Add(json, "user_id", p.UserId);
        Add(json, "app_id", p.AppId);
        return json;
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (value is not null)
        {
            json[name] = value;
        }
    }

    /// <summary>Completes when the journal reports the message durable; fails when the store failed.</summary>
    private sealed class DurableWaiter : IDurabilityWaiter
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Task => _done.Task;

        public void OnDurable(long sequence) => _done.TrySetResult();

        public void OnStoreFailed() => _done.TrySetException(new ApiException(503, "store_failed", "the message store failed; the message may not be saved"));
    }
}
