using Courier.Core;
using Microsoft.AspNetCore.Http;

namespace Courier.Management.Metrics;

/// <summary>
/// <c>GET /metrics</c> and <c>GET /metrics/per-object</c> in Prometheus' text exposition format
/// (0.0.4), with the names and labels of RabbitMQ's <c>rabbitmq_prometheus</c>, so dashboards written
/// for RabbitMQ read Courier's: <c>/metrics</c> sums the queues' families over the node,
/// <c>/metrics/per-object</c> gives them per queue (labels <c>vhost</c> and <c>queue</c>). Both
/// carry the global message counters and Courier's own (journal, paging). Gauges are read when
/// scraped; counters are those the message path keeps anyway (see docs/management.md).
/// </summary>
public static class PrometheusMetrics
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static RequestDelegate Create(Broker broker, ManagementNode node) => context =>
    {
        var perObject = context.Request.Path == "/metrics/per-object";
        if ((!perObject && context.Request.Path != "/metrics") || !HttpMethods.IsGet(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        context.Response.ContentType = ContentType;
        return context.Response.WriteAsync(perObject ? RenderPerObject(broker, node) : Render(broker, node), context.RequestAborted);
    };

    /// <summary>The exposition text of the node's totals.</summary>
    public static string Render(Broker broker, ManagementNode node)
    {
        var text = new Exposition();
        WriteNode(text, broker, node);
        QueueMetrics.WriteTotals(text, broker);
        GlobalMetrics.Write(text, broker);
        return text.ToString();
    }

    /// <summary>The exposition text with the queue families per queue instead of summed.</summary>
    public static string RenderPerObject(Broker broker, ManagementNode node)
    {
        var text = new Exposition();
        WriteNode(text, broker, node);
        QueueMetrics.WritePerQueue(text, broker);
        GlobalMetrics.Write(text, broker);
        return text.ToString();
    }

    private static void WriteNode(Exposition text, Broker broker, ManagementNode node)
    {
        long connections = 0, channels = 0;
        foreach (var session in broker.Sessions)
        {
            connections++;
            channels += session.Details?.GetChannels().Count ?? 0;
        }

        var alarm = broker.Resources.Alarm;
        text.Gauge("rabbitmq_identity_info", "RabbitMQ node & cluster identity info", 1, "rabbitmq_node", node.Name, "rabbitmq_cluster", node.Name);
        text.Gauge("rabbitmq_build_info", "RabbitMQ & Erlang/OTP version info", 1, "rabbitmq_version", node.ProductVersion, "product_name", "Courier");
        text.Gauge("rabbitmq_connections", "Connections currently open", connections);
        text.Gauge("rabbitmq_channels", "Channels currently open", channels);
        text.Gauge("rabbitmq_process_resident_memory_bytes", "Memory used in bytes", Environment.WorkingSet);
        text.Gauge("rabbitmq_alarms_memory_used_watermark", "is 1 if VM memory watermark alarm is in effect", alarm.Memory ? 1 : 0);
        text.Gauge("rabbitmq_alarms_free_disk_space_watermark", "is 1 if free disk space watermark alarm is in effect", alarm.Disk ? 1 : 0);
    }
}
