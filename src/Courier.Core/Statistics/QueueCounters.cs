using Courier.Core.Messages;

namespace Courier.Core.Statistics;

/// <summary>
/// A queue's message counts: what routing put into it and what left it by consume or get, by the
/// protocol of the client that took it (RabbitMQ's global delivery counters are per protocol).
/// </summary>
/// <remarks>
/// Threading: written only under the queue's lock, which every enqueue, delivery and settlement
/// already holds, so an update is a plain increment, no atomic. Read from any thread without the
/// lock: a 64-bit read is whole, and a count a moment old is what a rate needs.
/// </remarks>
public sealed class QueueCounters
{
    private const int Kinds = 7;
    private const int DeliverManual = 0;
    private const int DeliverAuto = 1;
    private const int GetManual = 2;
    private const int GetAuto = 3;
    private const int GetEmptyKind = 4;
    private const int RedeliverKind = 5;
    private const int AckKind = 6;

    private long _published;

    // Kinds per protocol, allocated at the first delivery: a queue nobody consumes from costs no more.
    private long[]? _deliveries;

    /// <summary>Messages routing put into the queue (dead letters and restored messages included, as RabbitMQ counts them).</summary>
    public long Published => Volatile.Read(ref _published);

    internal void OnPublished() => _published++;

    internal void OnDelivered(PublishingProtocol via, bool get, bool autoSettle, bool redelivered)
    {
        var rows = Rows;
        rows[RowStart(via) + (get ? (autoSettle ? GetAuto : GetManual) : (autoSettle ? DeliverAuto : DeliverManual))]++;
        if (redelivered)
        {
            rows[RowStart(via) + RedeliverKind]++;
        }
    }

    internal void OnGetEmpty(PublishingProtocol via) => Rows[RowStart(via) + GetEmptyKind]++;

    internal void OnAcknowledged(PublishingProtocol via) => Rows[RowStart(via) + AckKind]++;

    /// <summary>The counts of the queue as a whole: <c>publish</c> and every protocol's deliveries.</summary>
    public MessageStats Read()
    {
        var total = new MessageStats { Publish = Published };
        var rows = Volatile.Read(ref _deliveries);
        if (rows is not null)
        {
            for (var p = 0; p < StatisticsProtocols.Count; p++)
            {
                total += ReadRow(rows, p);
            }
        }

        return total;
    }

    /// <summary>Adds the deliveries to each protocol's clients to <paramref name="byProtocol"/> (indexed by <see cref="StatisticsProtocols.Index"/>).</summary>
    public void AddDeliveriesTo(Span<MessageStats> byProtocol)
    {
        var rows = Volatile.Read(ref _deliveries);
        if (rows is null)
        {
            return;
        }

        for (var p = 0; p < StatisticsProtocols.Count; p++)
        {
            byProtocol[p] += ReadRow(rows, p);
        }
    }

    private static MessageStats ReadRow(long[] rows, int protocol)
    {
        var start = protocol * Kinds;
        return new MessageStats
        {
            Deliver = Volatile.Read(ref rows[start + DeliverManual]),
            DeliverNoAck = Volatile.Read(ref rows[start + DeliverAuto]),
            Get = Volatile.Read(ref rows[start + GetManual]),
            GetNoAck = Volatile.Read(ref rows[start + GetAuto]),
            GetEmpty = Volatile.Read(ref rows[start + GetEmptyKind]),
            Redeliver = Volatile.Read(ref rows[start + RedeliverKind]),
            Ack = Volatile.Read(ref rows[start + AckKind]),
        };
    }

    private static int RowStart(PublishingProtocol via) => StatisticsProtocols.Index(via) * Kinds;

    private long[] Rows => _deliveries ?? Allocate();

    private long[] Allocate()
    {
        var rows = new long[StatisticsProtocols.Count * Kinds];
        Volatile.Write(ref _deliveries, rows);
        return rows;
    }
}
