using System.Globalization;
using System.Text;
using Courier.Core;
using Microsoft.AspNetCore.Http;

namespace Courier.Management.Metrics;

/// <summary>
/// <c>GET /metrics</c> in Prometheus' text exposition format (0.0.4), with the names of RabbitMQ's
/// aggregated metrics (<c>rabbitmq_prometheus</c>), so dashboards written for RabbitMQ's totals read
/// Courier's. Every value is read when scraped; nothing is collected on the message path.
/// </summary>
public static class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static RequestDelegate Create(Broker broker, ManagementNode node) => context =>
    {
        if (context.Request.Path != "/metrics" || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(Render(broker, node), context.RequestAborted);
    };

    /// <summary>The exposition text of the node's current totals.</summary>
    public static string Render(Broker broker, ManagementNode node)
    {
        long queues = 0, ready = 0, unacked = 0, consumers = 0, connections = 0, channels = 0;
        foreach (var virtualHost in broker.VirtualHosts)
        {
            foreach (var queue in virtualHost.Queues)
            {
                queues++;
                ready += queue.MessageCount;
                unacked += queue.UnsettledCount;
                consumers += queue.ConsumerCount;
            }
        }

        foreach (var session in broker.Sessions)
        {
            connections++;
            channels += session.Details?.GetChannels().Count ?? 0;
        }

        var alarm = broker.Resources.Alarm;
        var text = new StringBuilder();
        Gauge(text, "rabbitmq_identity_info", "RabbitMQ node & cluster identity info", 1, $"rabbitmq_node=\"{Escape(node.Name)}\",rabbitmq_cluster=\"{Escape(node.Name)}\"");
        Gauge(text, "rabbitmq_build_info", "RabbitMQ & Erlang/OTP version info", 1, $"rabbitmq_version=\"{Escape(node.ProductVersion)}\",product_name=\"Courier\"");
        Gauge(text, "rabbitmq_connections", "Connections currently open", connections);
        Gauge(text, "rabbitmq_channels", "Channels currently open", channels);
        Gauge(text, "rabbitmq_consumers", "Consumers currently connected", consumers);
        Gauge(text, "rabbitmq_queues", "Queues available", queues);
        Gauge(text, "rabbitmq_queue_messages_ready", "Messages ready to be delivered to consumers", ready);
        Gauge(text, "rabbitmq_queue_messages_unacked", "Messages delivered to consumers but not yet acknowledged", unacked);
        Gauge(text, "rabbitmq_queue_messages", "Sum of ready and unacknowledged messages - total queue depth", ready + unacked);
        Gauge(text, "rabbitmq_queue_consumers", "Consumers on a queue", consumers);
        Gauge(text, "rabbitmq_process_resident_memory_bytes", "Memory used in bytes", Environment.WorkingSet);
        Gauge(text, "rabbitmq_alarms_memory_used_watermark", "is 1 if VM memory watermark alarm is in effect", alarm.Memory ? 1 : 0);
        Gauge(text, "rabbitmq_alarms_free_disk_space_watermark", "is 1 if free disk space watermark alarm is in effect", alarm.Disk ? 1 : 0);
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value, string? labels = null)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(" gauge\n");
        text.Append(name);
        if (labels is not null)
        {
            text.Append('{').Append(labels).Append('}');
        }

        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
