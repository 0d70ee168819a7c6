using System.Globalization;
using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>
/// Writes a dead-lettered message's history the way RabbitMQ does, in its headers: <c>x-death</c>,
/// a list of tables (one per queue and reason, the latest first, <c>count</c> incremented when the
/// same queue and reason come again) with <c>count</c>, <c>reason</c>, <c>queue</c>, <c>time</c>,
/// <c>exchange</c>, <c>routing-keys</c> and, when the message had one, <c>original-expiration</c>;
/// and <c>x-first-death-reason</c>, <c>-queue</c>, <c>-exchange</c>, set once.
/// </summary>
/// <remarks>
/// The history lives in the headers rather than in an annotation because clients read it there and
/// republish messages with it (retry patterns), and because RabbitMQ shows it to MQTT and STOMP
/// consumers as headers too. The dead letter loses its expiration (RabbitMQ's rule: it would
/// otherwise expire again in the target); annotations whose key ends in <c>.expiration</c> (a
/// protocol's own spelling of it) go with it.
/// </remarks>
public static class DeathHistory
{
    public const string Header = "x-death";

    public static string ReasonName(DeathReason reason) => reason switch
    {
        DeathReason.Rejected => "rejected",
        DeathReason.Expired => "expired",
        DeathReason.MaxLength => "maxlen",
        DeathReason.DeliveryLimit => "delivery_limit",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    /// <summary>The dead letter of <paramref name="message"/>: addressed to the dead-letter exchange, with its history updated.</summary>
    public static Message Record(Message message, DeathReason reason, string queue, string deadLetterExchange, string routingKey, long nowMs)
    {
        var properties = message.Properties.Clone();
        var headers = properties.Headers is null
            ? new Dictionary<string, object?>(StringComparer.Ordinal)
            : new Dictionary<string, object?>(properties.Headers, StringComparer.Ordinal);
        var reasonName = ReasonName(reason);
        var deaths = new List<object?>();
        IReadOnlyDictionary<string, object?>? updated = null;
        if (headers.TryGetValue(Header, out var existing) && existing is IReadOnlyList<object?> previous)
        {
            foreach (var entry in previous)
            {
                if (updated is null && entry is IReadOnlyDictionary<string, object?> table
                    && FieldTable.GetString(table, "queue") == queue && FieldTable.GetString(table, "reason") == reasonName)
                {
                    var count = FieldTable.TryGetInt64(table, "count", out var n) ? n : 0;
                    updated = new Dictionary<string, object?>(table, StringComparer.Ordinal) { ["count"] = count + 1 };
                    continue;
                }

                deaths.Add(entry);
            }
        }

        if (updated is null)
        {
            var entry = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["count"] = 1L,
                ["reason"] = reasonName,
                ["queue"] = queue,
                ["time"] = new Timestamp(nowMs / 1000),
                ["exchange"] = message.Exchange,
                ["routing-keys"] = new List<object?> { message.RoutingKey },
            };
            if (message.Properties.ExpiryMilliseconds is { } expiry)
            {
                entry["original-expiration"] = expiry.ToString(CultureInfo.InvariantCulture);
            }

            updated = entry;
        }

        deaths.Insert(0, updated);
        headers[Header] = deaths;
        headers.TryAdd("x-first-death-reason", reasonName);
        headers.TryAdd("x-first-death-queue", queue);
        headers.TryAdd("x-first-death-exchange", message.Exchange);
        properties.Headers = headers;
        properties.ExpiryMilliseconds = null;

        var annotations = message.Annotations;
        if (annotations.More is { } more && HasExpirationKey(more))
        {
            var kept = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in more)
            {
                if (!key.EndsWith(".expiration", StringComparison.Ordinal))
                {
                    kept[key] = value;
                }
            }

            annotations = annotations with { More = kept.Count == 0 ? null : kept };
        }

        return new Message(deadLetterExchange, routingKey, properties, message.Body, annotations);
    }

    /// <summary>The queues named in a message's death history with the reasons they gave.</summary>
    public static IEnumerable<(string Queue, string Reason)> Deaths(Message message)
    {
        if (message.Properties.Headers is not { } headers
            || !headers.TryGetValue(Header, out var value)
            || value is not IReadOnlyList<object?> deaths)
        {
            yield break;
        }

        foreach (var entry in deaths)
        {
            if (entry is IReadOnlyDictionary<string, object?> table
                && FieldTable.GetString(table, "queue") is { } queue
                && FieldTable.GetString(table, "reason") is { } reason)
            {
                yield return (queue, reason);
            }
        }
    }

    private static bool HasExpirationKey(IReadOnlyDictionary<string, object?> more)
    {
        foreach (var key in more.Keys)
        {
            if (key.EndsWith(".expiration", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
