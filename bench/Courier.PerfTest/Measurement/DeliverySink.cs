using System.Buffers;
using System.Diagnostics;
using Courier.PerfTest.Messages;
using HdrHistogram;

namespace Courier.PerfTest.Measurement;

/// <summary>
/// Where one consumer hands each delivery: reads the stamp, records the latency, counts the
/// arrival in the shared ledger. A client calls it from its dispatch thread, one delivery at a
/// time per consumer, so the counters here have a single writer.
/// </summary>
public sealed class DeliverySink
{
    /// <summary>An hour, in microseconds: anything slower is recorded as an hour.</summary>
    public const long HighestLatencyMicros = 3_600_000_000;

    private static readonly double MicrosPerTick = 1_000_000.0 / Stopwatch.Frequency;

    private readonly DeliveryLedger _ledger;
    private readonly Func<int, int> _copiesOf;
    private long _received;
    private long _duplicates;
    private long _foreign;
    private long _lastDelivery;

    public DeliverySink(DeliveryLedger ledger, Func<int, int> copiesOf)
    {
        _ledger = ledger;
        _copiesOf = copiesOf;
        Latency = new Recorder(1, HighestLatencyMicros, 3, static (id, low, high, digits) => new LongHistogram(id, low, high, digits));
    }

    /// <summary>End-to-end latency in microseconds, swapped out by the reporter once a second.</summary>
    public Recorder Latency { get; }

    public long Received => Volatile.Read(ref _received);

    /// <summary>Arrivals beyond what the message's fanout promised.</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Bodies without a stamp: someone else's messages in our queues.</summary>
    public long Foreign => Volatile.Read(ref _foreign);

    /// <summary><see cref="Stopwatch"/> timestamp of the latest delivery, 0 before the first.</summary>
    public long LastDelivery => Volatile.Read(ref _lastDelivery);

    public void OnDelivery(ReadOnlySpan<byte> body)
    {
        long now = Stopwatch.GetTimestamp();
        if (!MessageStamp.TryRead(body, out var stamp))
        {
            Volatile.Write(ref _foreign, _foreign + 1);
            return;
        }

        Count(stamp, now);
    }

    public void OnDelivery(in ReadOnlySequence<byte> body)
    {
        long now = Stopwatch.GetTimestamp();
        if (!MessageStamp.TryRead(body, out var stamp))
        {
            Volatile.Write(ref _foreign, _foreign + 1);
            return;
        }

        Count(stamp, now);
    }

    private void Count(MessageStamp stamp, long now)
    {
        long micros = (long)((now - stamp.Timestamp) * MicrosPerTick);
        Latency.RecordValue(Math.Clamp(micros, 1, HighestLatencyMicros));
        int arrivals = _ledger.Record(stamp.ProducerId, stamp.Sequence);
        if (arrivals > _copiesOf(stamp.ProducerId))
        {
            Volatile.Write(ref _duplicates, _duplicates + 1);
        }

        Volatile.Write(ref _received, _received + 1);
        Volatile.Write(ref _lastDelivery, now);
    }
}
