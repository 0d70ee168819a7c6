using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Mqtt.Wire;

namespace Courier.PerfTest.Retained;

/// <summary>
/// Many retained topics (issue 10 item 5): stores <see cref="RetainedOptions.Topics"/> retained
/// messages <c>t/&lt;i/1000&gt;/&lt;i%1000&gt;</c> over one MQTT 3.1.1 connection of the lean client, QoS 1
/// with a window of publishes in flight, and reports how long until the last PUBACK; then the
/// broker's resident memory; then, for <c>t/7/#</c> and <c>t/+/999</c>, how long from SUBSCRIBE
/// until the last matching retained message has arrived (QoS 0 subscriptions, so nothing is acked).
/// </summary>
public sealed class RetainedScenario(RetainedOptions options, TextWriter output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public int Run()
    {
        if (options.Store)
        {
            var clock = Stopwatch.StartNew();
            Store();
            Report("stored_topics", options.Topics);
            Report("store_seconds", clock.Elapsed.TotalSeconds);
            Report("store_rate", options.Topics / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
        }

        if (options.BrokerPid is { } pid)
        {
            Report("broker_rss_mib", (ProcessProbe.ResidentKib(pid) ?? 0) / 1024.0);
        }

        TimeSubscribe("t/7/#", Math.Clamp(options.Topics - 7000, 0, 1000));
        TimeSubscribe("t/+/999", options.Topics / 1000);
        return 0;
    }

    private void Store()
    {
        using var connection = MqttWireConnection.Open(options.Host, options.Port, "perftest-retained-store");
        using var window = new SemaphoreSlim(options.Window, options.Window);
        using var watchdog = new Timer(_ => connection.Dispose(), null, Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        var acks = new Thread(() =>
        {
            for (var acked = 0; acked < options.Topics; acked++)
            {
                connection.ReadPacket(out var header);
                if (header >> 4 != MqttWireConnection.PubAck)
                {
                    throw new InvalidOperationException($"expected PUBACK, got packet type {header >> 4}");
                }

                window.Release();
            }
        }) { IsBackground = true, Name = "retained-acks" };
        acks.Start();

        var payload = new byte[options.BodySize];
        Array.Fill(payload, (byte)'r');
        var batch = new byte[256 * 1024];
        var used = 0;
        for (var i = 0; i < options.Topics; i++)
        {
            if (!window.Wait(0))
            {
                connection.Send(batch.AsSpan(0, used));
                used = 0;
                window.Wait();
            }

            used += WritePublish(batch.AsSpan(used), $"t/{i / 1000}/{i % 1000}", (ushort)((i % 65_535) + 1), payload);
            if (used > batch.Length - 1024 - payload.Length)
            {
                connection.Send(batch.AsSpan(0, used));
                used = 0;
            }
        }

        connection.Send(batch.AsSpan(0, used));
        if (!acks.Join(Timeout))
        {
            throw new TimeoutException("the last PUBACKs did not arrive");
        }

        connection.SendDisconnect();
    }

    /// <summary>A QoS 1 retained PUBLISH; returns its length.</summary>
    private static int WritePublish(Span<byte> destination, string topic, ushort packetId, ReadOnlySpan<byte> payload)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var remaining = 2 + topicLength + 2 + payload.Length;
        destination[0] = (MqttWireConnection.Publish << 4) | 0b0011; // QoS 1, retain
        var at = 1 + MqttWireConnection.WriteLength(destination[1..], remaining);
        at += MqttWireConnection.WriteString(destination[at..], topic);
        BinaryPrimitives.WriteUInt16BigEndian(destination[at..], packetId);
        at += 2;
        payload.CopyTo(destination[at..]);
        return at + payload.Length;
    }

    private void TimeSubscribe(string filter, int expected)
    {
        using var connection = MqttWireConnection.Open(options.Host, options.Port, "perftest-retained-sub");
        using var watchdog = new Timer(_ => connection.Dispose(), null, Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        var clock = Stopwatch.StartNew();
        connection.SendSubscription(MqttWireConnection.Subscribe, filter, qos: 0);
        var received = 0;
        while (received < expected)
        {
            connection.ReadPacket(out var header);
            if (header >> 4 == MqttWireConnection.Publish)
            {
                received++;
            }
        }

        var name = filter.Replace('/', '_').Replace("#", "hash", StringComparison.Ordinal).Replace("+", "plus", StringComparison.Ordinal);
        Report($"subscribe_{name}_matches", received);
        Report($"subscribe_{name}_ms", clock.Elapsed.TotalMilliseconds);
        connection.SendDisconnect();
    }

    private void Report(string name, double value) => output.WriteLine($"{name} {value.ToString("0.###", CultureInfo.InvariantCulture)}");
}
