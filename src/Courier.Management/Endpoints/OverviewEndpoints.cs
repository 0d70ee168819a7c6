using System.Text.Json.Nodes;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Statistics;
using Courier.Management.Statistics;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>The node as a whole: overview, nodes, whoami, health checks and the aliveness test.</summary>
internal static class OverviewEndpoints
{
    public static void Map(ApiRouter api)
    {
        api.Get("/api/overview", AccessLevel.Management, OverviewAsync);
        api.Get("/api/whoami", AccessLevel.Management, r => r.WriteAsync(new JsonObject { ["name"] = r.User.Name, ["tags"] = ModelJson.Tags(r.User) }));
        api.Get("/api/nodes", AccessLevel.Monitoring, r => r.WriteAsync(new JsonArray(Node(r))));
        api.Get("/api/nodes/{node}", AccessLevel.Monitoring, r => r["node"] == r.Node.Name ? r.WriteAsync(Node(r)) : throw ApiException.NotFound());
        api.Get("/api/extensions", AccessLevel.Management, r => r.WriteAsync(new JsonArray()));
        api.Get("/api/health/checks/alarms", AccessLevel.Monitoring, AlarmsAsync);
        api.Get("/api/health/checks/local-alarms", AccessLevel.Monitoring, AlarmsAsync);
        api.Get("/api/health/checks/virtual-hosts", AccessLevel.Monitoring, r => r.WriteAsync(new JsonObject { ["status"] = "ok" }));
        api.Get("/api/health/checks/port-listener/{port}", AccessLevel.Monitoring, PortListenerAsync);
        api.Get("/api/aliveness-test/{vhost}", AccessLevel.Management, AlivenessAsync);
    }

    private static Task OverviewAsync(ApiRequest r)
    {
        // Totals each vhost keeps up to date as its queues change: no walk of every queue.
        long ready = 0, unacked = 0, queues = 0, exchanges = 0, consumers = 0;
        foreach (var virtualHost in r.VisibleVirtualHosts())
        {
            queues += virtualHost.QueueCount;
            exchanges += virtualHost.ExchangeCount;
            ready += virtualHost.QueueTotals.Ready;
            unacked += virtualHost.QueueTotals.Unacknowledged;
            consumers += virtualHost.QueueTotals.Consumers;
        }

        long connections = 0, channels = 0;
        foreach (var session in r.Broker.Sessions)
        {
            if (r.MaySee(session.VirtualHost))
            {
                connections++;
                channels += session.Details?.GetChannels().Count ?? 0;
            }
        }

        var (counts, sample) = MessageStatsOf(r);
        var queueTotals = new JsonObject();
        StatsJson.Depth(queueTotals, new QueueDepth(ready, unacked), sample);
        return r.WriteAsync(new JsonObject
        {
            ["management_version"] = r.Node.ProductVersion,
            ["rates_mode"] = r.Node.Rates is null ? "none" : "basic",
            ["exchange_types"] = new JsonArray([.. ExchangeTypeNames().Select(t => (JsonNode)new JsonObject { ["name"] = t, ["description"] = string.Empty, ["enabled"] = true })]),
            ["product_version"] = r.Node.ProductVersion,
            ["product_name"] = "Courier",
            ["rabbitmq_version"] = r.Node.ProductVersion,
            ["cluster_name"] = r.Node.Name,
            ["node"] = r.Node.Name,
            ["disable_stats"] = false,
            ["enable_queue_totals"] = true,
            ["message_stats"] = StatsJson.Node(counts, sample),
            ["queue_totals"] = queueTotals,
            ["object_totals"] = new JsonObject
            {
                ["channels"] = channels,
                ["connections"] = connections,
                ["consumers"] = consumers,
                ["exchanges"] = exchanges,
                ["queues"] = queues,
            },
            ["listeners"] = Listeners(r),
            ["contexts"] = new JsonArray(),
        });
    }

    /// <summary>The node's counts and rates, or only the visible vhosts' for a user who may not see them all (as RabbitMQ's overview).</summary>
    private static (MessageStats Counts, RateSample? Sample) MessageStatsOf(ApiRequest r)
    {
        if (UserTags.Allows(r.User, AccessLevel.Monitoring))
        {
            return (r.Broker.ReadMessageStats(), r.Node.Rates?.Node);
        }

        var total = default(MessageStats);
        var samples = new List<RateSample>();
        foreach (var virtualHost in r.VisibleVirtualHosts())
        {
            total += virtualHost.ReadMessageStats();
            if (r.Node.Rates?.Of(virtualHost) is { } sample)
            {
                samples.Add(sample);
            }
        }

        return (total, RateSample.Sum(samples));
    }

    private static IEnumerable<string> ExchangeTypeNames() =>
        [ExchangeTypes.Direct, ExchangeTypes.Fanout, ExchangeTypes.Topic, ExchangeTypes.Headers];

    private static JsonArray Listeners(ApiRequest r)
    {
        var listeners = new JsonArray();
        foreach (var (protocol, endPoint) in r.Node.Listeners())
        {
            listeners.Add(new JsonObject
            {
                ["node"] = r.Node.Name,
                ["protocol"] = protocol,
                ["ip_address"] = endPoint.Address.ToString(),
                ["port"] = endPoint.Port,
            });
        }

        return listeners;
    }

    private static JsonObject Node(ApiRequest r)
    {
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var alarm = r.Broker.Resources.Alarm;
        return new JsonObject
        {
            ["name"] = r.Node.Name,
            ["type"] = "disc",
            ["running"] = true,
            ["os_pid"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["mem_used"] = process.WorkingSet64,
            ["mem_alarm"] = alarm.Memory,
            ["disk_free_alarm"] = alarm.Disk,
            ["connections_refused_by_rate_limit"] = r.Broker.Resources.ConnectionRate.Refused,
            ["processors"] = Environment.ProcessorCount,
            ["uptime"] = (long)(DateTimeOffset.UtcNow - r.Node.StartedAt).TotalMilliseconds,
            ["db_dir"] = r.Node.DataDirectory,
            ["listeners"] = Listeners(r),
            ["exchange_types"] = new JsonArray([.. ExchangeTypeNames().Select(t => (JsonNode)new JsonObject { ["name"] = t, ["enabled"] = true })]),
            ["partitions"] = new JsonArray(),
        };
    }

    private static Task AlarmsAsync(ApiRequest r)
    {
        var alarm = r.Broker.Resources.Alarm;
        if (!alarm.IsBlocked)
        {
            return r.WriteAsync(new JsonObject { ["status"] = "ok" });
        }

        var alarms = new JsonArray();
        if (alarm.Memory)
        {
            alarms.Add(new JsonObject { ["node"] = r.Node.Name, ["resource"] = "memory" });
        }

        if (alarm.Disk)
        {
            alarms.Add(new JsonObject { ["node"] = r.Node.Name, ["resource"] = "disk" });
        }

        return r.WriteAsync(new JsonObject { ["status"] = "failed", ["reason"] = "resource alarm(s) in effect", ["alarms"] = alarms }, 503);
    }

    private static Task PortListenerAsync(ApiRequest r)
    {
        if (!int.TryParse(r["port"], System.Globalization.CultureInfo.InvariantCulture, out var port))
        {
            throw ApiException.BadRequest($"'{r["port"]}' is not a port number");
        }

        var ports = new JsonArray();
        foreach (var (_, endPoint) in r.Node.Listeners())
        {
            if (endPoint.Port == port)
            {
                return r.WriteAsync(new JsonObject { ["status"] = "ok", ["port"] = port });
            }

            ports.Add(endPoint.Port);
        }

        return r.WriteAsync(new JsonObject { ["status"] = "failed", ["reason"] = "No active listener", ["missing"] = port, ["ports"] = ports }, 503);
    }

    /// <summary>
    /// Declares the queue <c>aliveness-test</c>, publishes a message to it through the default
    /// exchange and gets it back, as RabbitMQ's test does; the queue is transient and is deleted again.
    /// </summary>
    private static Task AlivenessAsync(ApiRequest r)
    {
        var virtualHost = r.VirtualHost();
        const string name = "aliveness-test";
        var queue = virtualHost.DeclareQueue(name, new QueueDefinition(), passive: false, ManagementSession.Instance).Queue;
        try
        {
            virtualHost.Publish(virtualHost.GetExchange(string.Empty), new Message(string.Empty, name, new MessageProperties(), "test_message"u8.ToArray()), new Core.VirtualHosts.RoutingResult());
            queue.TryGet(autoSettle: true, out var got);
            return got is not null && got.Message.Body.Span.SequenceEqual("test_message"u8)
                ? r.WriteAsync(new JsonObject { ["status"] = "ok" })
                : r.WriteAsync(new JsonObject { ["status"] = "failed", ["reason"] = "the test message did not come back" }, 503);
        }
        finally
        {
            virtualHost.DeleteQueue(name, ifUnused: false, ifEmpty: false, ManagementSession.Instance);
        }
    }
}
