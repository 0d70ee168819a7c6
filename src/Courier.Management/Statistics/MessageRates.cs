using System.Runtime.CompilerServices;
using Courier.Core;
using Courier.Core.Statistics;

namespace Courier.Management.Statistics;

/// <summary>
/// The management API's rate sampler: every interval (RabbitMQ's <c>collect_statistics_interval</c>,
/// 5 s by default) it reads the counts and depths of the node, each vhost, queue and exchange, the
/// traffic of each client connection and the counts of each AMQP channel, and keeps the last two
/// readings of each, from which the API's <c>*_details.rate</c> fields come.
/// </summary>
/// <remarks>
/// It runs only while the management listener does (the host creates and disposes it), and reads
/// what the core counts anyway: the message path pays nothing for it. One pass walks every queue
/// (three times: its own reading, its vhost's and the node's sums), a few milliseconds with
/// 100,000 queues. Samples hang off their objects in a weak table, so a deleted queue's goes with it.
/// Passes never overlap (a timer tick that finds one running is skipped).
/// </remarks>
public sealed class MessageRates : IDisposable
{
    private readonly Broker _broker;
    private readonly TimeProvider _time;
    private readonly ConditionalWeakTable<object, RateSample> _samples = [];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private RateSample? _node;
    private long _lastPassAt;

    public MessageRates(Broker broker, TimeSpan interval, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _broker = broker;
        _time = time ?? TimeProvider.System;
        Interval = interval;
        _lastPassAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(static state => ((MessageRates)state!).SampleNow(), this, interval, interval);
    }

    public TimeSpan Interval { get; }

    /// <summary>The node's sample (overview); null before the first pass.</summary>
    public RateSample? Node => Volatile.Read(ref _node);

    /// <summary>The sample of a vhost, queue, exchange, connection (its <see cref="ConnectionTraffic"/>) or channel (its <see cref="ChannelCounters"/>); null before its first pass.</summary>
    public RateSample? Of(object item) => _samples.TryGetValue(item, out var sample) ? sample : null;

    /// <summary>Reads everything now (the timer calls this; tests may too).</summary>
    public void SampleNow()
    {
        if (!_gate.TryEnter())
        {
            return;
        }

        try
        {
            var now = _time.GetTimestamp();
            var seconds = _time.GetElapsedTime(_lastPassAt, now).TotalSeconds;
            _lastPassAt = now;
            var nodeDepth = default(QueueDepth);
            foreach (var virtualHost in _broker.VirtualHosts)
            {
                var vhostDepth = default(QueueDepth);
                foreach (var queue in virtualHost.Queues)
                {
                    // The counts the queue last published: read without taking 100,000 queue locks.
                    var last = queue.LastCounts;
                    var depth = new QueueDepth(last.Ready, last.Unacknowledged);
                    vhostDepth += depth;
                    Record(queue, queue.Counters.Read(), depth, seconds);
                }

                foreach (var exchange in virtualHost.Exchanges)
                {
                    Record(exchange, exchange.Counters.Read(), default, seconds);
                }

                Record(virtualHost, virtualHost.ReadMessageStats(), vhostDepth, seconds);
                nodeDepth += vhostDepth;
            }

            SampleSessions(seconds);

            var counts = _broker.ReadMessageStats();
            if (_node is null)
            {
                Volatile.Write(ref _node, RateSample.First(counts, nodeDepth, default, seconds));
            }
            else
            {
                _node.Next(counts, nodeDepth, default, seconds);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>Each client connection's traffic and each of its channels' counts.</summary>
    private void SampleSessions(double seconds)
    {
        foreach (var session in _broker.Sessions)
        {
            if (session.Details is not { } details)
            {
                continue;
            }

            Record(details.Traffic, default, default, seconds, details.Traffic.Read());
            foreach (var channel in details.GetChannels())
            {
                Record(channel.Counters, channel.Counters.Read(), default, seconds);
            }
        }
    }

    private void Record(object item, MessageStats counts, QueueDepth depth, double seconds, TrafficStats traffic = default)
    {
        if (_samples.TryGetValue(item, out var sample))
        {
            sample.Next(counts, depth, traffic, seconds);
        }
        else
        {
            sample = RateSample.First(counts, depth, traffic, seconds);
            _samples.AddOrUpdate(item, sample);
        }
    }
}
