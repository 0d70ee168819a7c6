using System.Text;
using System.Text.Json;
using Courier.PerfTest.Options;
using HdrHistogram;

namespace Courier.PerfTest.Measurement;

/// <summary>What one run measured. Written as one JSON line so scripts can collect runs with a grep.</summary>
public sealed record RunSummary
{
    public required PerfTestOptions Options { get; init; }
    public required string Target { get; init; }
    public long Sent { get; init; }
    public long Confirmed { get; init; }
    public long Nacked { get; init; }
    public long Received { get; init; }
    public double SendSeconds { get; init; }
    public double ReceiveSeconds { get; init; }
    public LongHistogram? Latency { get; init; }

    /// <summary>Null when the run could not tell (nobody consumed, or nobody produced and nothing was expected).</summary>
    public long? Lost { get; init; }
    public long? Duplicated { get; init; }
    public long Foreign { get; init; }
    public long? BrokerRssKib { get; init; }
    public long? BrokerRssPeakKib { get; init; }
    public double? BrokerCpuSeconds { get; init; }
    public int IdleConnectionsOpened { get; init; }
    public double IdleOpenSeconds { get; init; }
    public long? IdleRssBeforeKib { get; init; }
    public long? IdleRssAfterKib { get; init; }
    public double ToolCpuSeconds { get; init; }
    public double WallSeconds { get; init; }
    public IReadOnlyList<string> Errors { get; init; } = [];

    public double SentPerSecond => SendSeconds > 0 ? Sent / SendSeconds : 0;
    public double ReceivedPerSecond => ReceiveSeconds > 0 ? Received / ReceiveSeconds : 0;

    public double? IdleRssPerConnectionKib => IdleConnectionsOpened > 0 && IdleRssAfterKib is long after && IdleRssBeforeKib is long before
        ? (double)(after - before) / IdleConnectionsOpened
        : null;

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            var o = Options;
            w.WriteString("label", o.Label);
            w.WriteString("target", Target);
            w.WriteString("protocol", o.IsStomp ? "stomp" : o.IsMqtt ? "mqtt" : "amqp");
            w.WriteString("client", o.IsStomp || o.Client == AmqpClient.Lean ? "lean" : o.IsMqtt ? "mqttnet" : "rabbitmq-client");
            w.WriteString("mode", o.Mode switch { RunMode.PublishOnly => "publish-only", RunMode.ConsumeOnly => "consume-only", _ => "normal" });
            w.WriteNumber("producers", o.Mode == RunMode.ConsumeOnly ? 0 : o.Producers);
            w.WriteNumber("consumers", o.Mode == RunMode.PublishOnly ? 0 : o.Consumers);
            w.WriteNumber("queues", o.Queues);
            w.WriteString("queue_pattern", o.QueuePattern);
            if (o.QueueArguments is { } arguments)
            {
                w.WriteStartObject("queue_args");
                foreach (var (key, value) in arguments)
                {
                    WriteArgument(w, key, value);
                }

                w.WriteEndObject();
            }

            w.WriteString("dead_letter_queue", o.DeadLetterQueue);
            w.WriteNumber("size", Math.Max(o.MessageSize, Messages.MessageStamp.Size));
            w.WriteBoolean("persistent", o.Persistent);
            w.WriteBoolean("durable", o.DurableQueues);
            w.WriteNumber("confirm", o.ConfirmWindow);
            w.WriteNumber("prefetch", o.Prefetch);
            w.WriteBoolean("auto_ack", o.AutoAck);
            w.WriteNumber("multi_ack_every", o.MultiAckEvery);
            w.WriteBoolean("fanout", o.Fanout);
            w.WriteNumber("qos", o.Qos);
            w.WriteNumber("rate", o.ProducerRate);
            w.WriteNumber("duration_s", o.DurationSeconds);
            w.WriteNumber("warmup_s", o.WarmupSeconds);
            w.WriteNumber("pmessages", o.ProducerMessageCount);
            w.WriteNumber("expect", o.ExpectedMessages);
            w.WriteNumber("idle_connections", o.IdleConnections);

            w.WriteNumber("sent", Sent);
            w.WriteNumber("confirmed", Confirmed);
            w.WriteNumber("nacked", Nacked);
            w.WriteNumber("received", Received);
            w.WriteNumber("send_s", Math.Round(SendSeconds, 3));
            w.WriteNumber("receive_s", Math.Round(ReceiveSeconds, 3));
            w.WriteNumber("sent_msgs_per_s", Math.Round(SentPerSecond));
            w.WriteNumber("received_msgs_per_s", Math.Round(ReceivedPerSecond));
            WriteLatency(w, Latency);
            WriteNullable(w, "lost", Lost);
            WriteNullable(w, "duplicated", Duplicated);
            w.WriteNumber("foreign", Foreign);
            WriteNullable(w, "broker_rss_kb", BrokerRssKib);
            WriteNullable(w, "broker_rss_peak_kb", BrokerRssPeakKib);
            if (BrokerCpuSeconds is double brokerCpu)
            {
                w.WriteNumber("broker_cpu_s", Math.Round(brokerCpu, 2));
            }
            else
            {
                w.WriteNull("broker_cpu_s");
            }

            if (o.IdleConnections > 0)
            {
                w.WriteNumber("idle_opened", IdleConnectionsOpened);
                w.WriteNumber("idle_open_s", Math.Round(IdleOpenSeconds, 2));
                WriteNullable(w, "idle_rss_before_kb", IdleRssBeforeKib);
                WriteNullable(w, "idle_rss_after_kb", IdleRssAfterKib);
                if (IdleRssPerConnectionKib is double perConnection)
                {
                    w.WriteNumber("idle_rss_per_connection_kb", Math.Round(perConnection, 1));
                }
                else
                {
                    w.WriteNull("idle_rss_per_connection_kb");
                }
            }

            w.WriteNumber("tool_cpu_s", Math.Round(ToolCpuSeconds, 2));
            w.WriteNumber("tool_cpu_pct", WallSeconds > 0 ? Math.Round(ToolCpuSeconds / WallSeconds * 100) : 0);
            w.WriteNumber("wall_s", Math.Round(WallSeconds, 2));
            w.WriteStartArray("errors");
            foreach (string e in Errors)
            {
                w.WriteStringValue(e);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteLatency(Utf8JsonWriter w, LongHistogram? latency)
    {
        (string Name, double Percentile)[] points = [("p50", 50), ("p95", 95), ("p99", 99), ("p999", 99.9)];
        foreach (var (name, percentile) in points)
        {
            if (latency is { TotalCount: > 0 })
            {
                w.WriteNumber($"latency_{name}_us", latency.GetValueAtPercentile(percentile));
            }
            else
            {
                w.WriteNull($"latency_{name}_us");
            }
        }

        if (latency is { TotalCount: > 0 })
        {
            w.WriteNumber("latency_max_us", latency.GetMaxValue());
        }
        else
        {
            w.WriteNull("latency_max_us");
        }
    }

    private static void WriteArgument(Utf8JsonWriter w, string name, object value)
    {
        switch (value)
        {
            case int i:
                w.WriteNumber(name, i);
                break;
            case long l:
                w.WriteNumber(name, l);
                break;
            case bool b:
                w.WriteBoolean(name, b);
                break;
            default:
                w.WriteString(name, value.ToString());
                break;
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is long v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
