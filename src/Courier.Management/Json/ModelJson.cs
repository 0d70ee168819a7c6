using System.Net;
using System.Text.Json.Nodes;
using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;
using Courier.Management.Statistics;

namespace Courier.Management.Json;

/// <summary>The JSON of each model object, with RabbitMQ's field names.</summary>
public static class ModelJson
{
    /// <summary>The default exchange's name in the API (its real name is empty).</summary>
    public const string DefaultExchangeName = "amq.default";

    public static JsonObject Rate() => new() { ["rate"] = 0.0 };

    public static JsonObject Queue(IQueue queue, string node, MessageRates? rates = null)
    {
        var ready = queue.MessageCount;
        var unacked = queue.UnsettledCount;
        var consumers = queue.ConsumerCount;
        var sample = rates?.Of(queue);
        var json = new JsonObject
        {
            ["arguments"] = FieldValues.ToJson(queue.Definition.Arguments),
            ["auto_delete"] = queue.AutoDelete,
            ["consumers"] = consumers,
            ["consumer_capacity"] = consumers > 0 ? 1.0 : 0.0,
            ["consumer_utilisation"] = consumers > 0 ? 1.0 : 0.0,
            ["durable"] = queue.Durable,
            ["exclusive"] = queue.Exclusive,
            ["exclusive_consumer_tag"] = null,
            ["message_stats"] = StatsJson.Queue(queue.Counters.Read(), sample),
            ["name"] = queue.Name,
            ["node"] = node,
            ["policy"] = queue.Policy?.Policy?.Name,
            ["operator_policy"] = queue.Policy?.OperatorPolicy?.Name,
            ["effective_policy_definition"] = FieldValues.ToJson(queue.Policy?.Definition),
            ["state"] = queue.IsFlowLimited ? "flow" : "running",
            ["type"] = queue.Type,
            ["vhost"] = queue.VirtualHost,
        };
        StatsJson.Depth(json, new QueueDepth(ready, unacked), sample);
        return json;
    }

    public static JsonObject Exchange(Exchange exchange, string virtualHost, MessageRates? rates = null) => new()
    {
        ["message_stats"] = StatsJson.Exchange(exchange.Counters.Read(), rates?.Of(exchange)),
        ["arguments"] = FieldValues.ToJson(exchange.Arguments),
        ["auto_delete"] = exchange.AutoDelete,
        ["durable"] = exchange.Durable,
        ["internal"] = exchange.Internal,
        ["name"] = exchange.Name,
        ["policy"] = exchange.Policy?.Policy?.Name,
        ["operator_policy"] = null,
        ["effective_policy_definition"] = FieldValues.ToJson(exchange.Policy?.Definition),
        ["type"] = exchange.Type,
        ["user_who_performed_action"] = "rmq-internal",
        ["vhost"] = virtualHost,
    };

    public static JsonObject Binding(Binding binding, string virtualHost) => Binding(
        binding.Source.Name,
        binding.Destination.Name,
        binding.Destination is IQueue,
        binding.RoutingKey,
        binding.Arguments,
        virtualHost);

    public static JsonObject Binding(string source, string destination, bool toQueue, string routingKey, IReadOnlyDictionary<string, object?> arguments, string virtualHost) => new()
    {
        ["source"] = source,
        ["vhost"] = virtualHost,
        ["destination"] = destination,
        ["destination_type"] = toQueue ? "queue" : "exchange",
        ["routing_key"] = routingKey,
        ["arguments"] = FieldValues.ToJson(arguments),
        ["properties_key"] = PropertiesKey(routingKey, arguments),
    };

    /// <summary>
    /// RabbitMQ's name of a binding in URLs: <c>~</c> for an empty key without arguments, the key
    /// percent-encoded, and with arguments a hash of them after <c>~</c>.
    /// </summary>
    public static string PropertiesKey(string routingKey, IReadOnlyDictionary<string, object?> arguments)
    {
        var key = routingKey.Length == 0 ? string.Empty : Uri.EscapeDataString(routingKey).Replace("*", "%2A", StringComparison.Ordinal);
        if (arguments.Count == 0)
        {
            return key.Length == 0 ? "~" : key;
        }

        var hash = (uint)FieldValues.ToJson(arguments).ToJsonString().GetHashCode(StringComparison.Ordinal);
        return key + "~" + hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static JsonObject VirtualHost(VirtualHost virtualHost, string node, MessageRates? rates = null)
    {
        // Kept up to date by the vhost's queues: no walk of them.
        var ready = virtualHost.QueueTotals.Ready;
        var unacked = virtualHost.QueueTotals.Unacknowledged;
        var sample = rates?.Of(virtualHost);
        var json = new JsonObject
        {
            ["name"] = virtualHost.Name,
            ["description"] = virtualHost.Description,
            ["tags"] = new JsonArray(),
            ["metadata"] = new JsonObject { ["description"] = virtualHost.Description, ["tags"] = new JsonArray() },
            ["default_queue_type"] = "classic",
            ["tracing"] = false,
            ["cluster_state"] = new JsonObject { [node] = "running" },
            ["message_stats"] = StatsJson.Node(virtualHost.ReadMessageStats(), sample),
        };
        StatsJson.Depth(json, new QueueDepth(ready, unacked), sample);
        return json;
    }

    public static JsonObject User(User user, IReadOnlyDictionary<string, int> limits) => new()
    {
        ["name"] = user.Name,
        ["password_hash"] = RabbitPasswordHash.Encode(user),
        ["hashing_algorithm"] = RabbitPasswordHash.Algorithm,
        ["tags"] = Tags(user),
        ["limits"] = Endpoints.LimitEndpoints.ToJson(limits),
    };

    public static JsonArray Tags(User user) => [.. user.Tags.Select(t => (JsonNode?)t)];

    public static JsonObject Permission(string user, string virtualHost, Permission permission) => new()
    {
        ["user"] = user,
        ["vhost"] = virtualHost,
        ["configure"] = permission.Configure,
        ["write"] = permission.Write,
        ["read"] = permission.Read,
    };

    public static JsonObject TopicPermission(string user, string virtualHost, TopicPermission permission) => new()
    {
        ["user"] = user,
        ["vhost"] = virtualHost,
        ["exchange"] = permission.Exchange,
        ["write"] = permission.Write,
        ["read"] = permission.Read,
    };

    /// <summary>A connection's name: the protocol's own, or <c>remote -> ?</c> when it gives none.</summary>
    public static string ConnectionName(ClientSession session) => session.Details?.Name ?? $"{session.RemoteEndPoint} (session {session.Id})";

    public static JsonObject Connection(ClientSession session, string node, MessageRates? rates = null)
    {
        var details = session.Details;
        var remote = session.RemoteEndPoint as IPEndPoint;
        var json = new JsonObject
        {
            ["name"] = ConnectionName(session),
            ["node"] = node,
            ["vhost"] = session.VirtualHost,
            ["user"] = session.User,
            ["protocol"] = details?.ProtocolDisplayName ?? session.Protocol,
            ["type"] = "network",
            ["state"] = "running",
            ["channels"] = details?.GetChannels().Count ?? 0,
            ["connected_at"] = session.ConnectedAt,
            ["peer_host"] = remote?.Address.ToString(),
            ["peer_port"] = remote?.Port,
            ["client_properties"] = FieldValues.ToJson(details?.ClientProperties),
        };
        if (details is not null)
        {
            StatsJson.Traffic(json, details.Traffic.Read(), rates?.Of(details.Traffic));
        }

        return json;
    }

    public static JsonObject Channel(ClientSession session, SessionChannel channel, string node, MessageRates? rates = null)
    {
        var connection = ConnectionName(session);
        return new JsonObject
        {
            ["name"] = $"{connection} ({channel.Number})",
            ["number"] = channel.Number,
            ["node"] = node,
            ["vhost"] = session.VirtualHost,
            ["user"] = session.User,
            ["consumer_count"] = channel.ConsumerCount,
            ["messages_unacknowledged"] = channel.UnacknowledgedCount,
            ["prefetch_count"] = channel.Prefetch,
            ["state"] = "running",
            ["message_stats"] = StatsJson.Channel(channel.Counters.Read(), rates?.Of(channel.Counters)),
            ["connection_details"] = new JsonObject { ["name"] = connection, ["peer_host"] = (session.RemoteEndPoint as IPEndPoint)?.Address.ToString(), ["peer_port"] = (session.RemoteEndPoint as IPEndPoint)?.Port },
        };
    }

    public static JsonObject Consumer(IQueue queue, QueueConsumer consumer) => new()
    {
        ["consumer_tag"] = consumer.Tag,
        ["exclusive"] = consumer.Exclusive,
        ["ack_required"] = !consumer.AutoSettle,
        ["active"] = true,
        ["activity_status"] = "up",
        ["arguments"] = new JsonObject(),
        ["prefetch_count"] = 0,
        ["priority"] = consumer.Priority,
        ["queue"] = new JsonObject { ["name"] = queue.Name, ["vhost"] = queue.VirtualHost },
        ["channel_details"] = new JsonObject
        {
            ["connection_name"] = ConnectionName(consumer.Owner),
            ["user"] = consumer.Owner.User,
            ["peer_host"] = (consumer.Owner.RemoteEndPoint as IPEndPoint)?.Address.ToString(),
            ["peer_port"] = (consumer.Owner.RemoteEndPoint as IPEndPoint)?.Port,
        },
    };
}
