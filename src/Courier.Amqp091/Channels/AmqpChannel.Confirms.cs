using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Courier.Core.Storage;

namespace Courier.Amqp091.Channels;

/// <summary>
/// Publisher confirms. Each publish in confirm mode is confirmed once the journal sequence number it
/// depends on is durable (at once for a message nothing had to store), through
/// <see cref="DurableReleases{T}"/>. Confirms go out in publish order, coalesced: one basic.ack (or
/// basic.nack) with <c>multiple</c> covers every consecutive publish settled the same way.
/// </summary>
/// <remarks>
/// The reader thread adds publishes; the store's committer reports durability on its own thread.
/// The releases' lock orders the confirm frames and guards the run being gathered here.
/// </remarks>
internal sealed partial class AmqpChannel : IDurableReleaseTarget<ulong>
{
    /// <summary>Position of a publish the store refused: it is nacked.</summary>
    private const long FailedPosition = DurableReleases<ulong>.FailedPosition;

    private DurableReleases<ulong>? _confirms;
    private ulong _runLast;
    private int _runLength;
    private bool _runAck;

    private DurableReleases<ulong> Confirms => _confirms ??= new DurableReleases<ulong>(this);

    private void TrackConfirm(ulong seq, long position) => Confirms.Add(seq, position);

    /// <summary>End of a read batch: confirm what is settled, and ask the store to report the rest.</summary>
    private void FlushConfirms() => _confirms?.Flush(Broker.Store);

    bool IDurableReleaseTarget<ulong>.IsOpen => _state == ChannelState.Open;

    void IDurableReleaseTarget<ulong>.Release(ulong seq, bool stored)
    {
        if (_runLength > 0 && stored != _runAck)
        {
            WriteConfirm(_runAck, _runLast, _runLength);
            _runLength = 0;
        }

        _runAck = stored;
        _runLast = seq;
        _runLength++;
    }

    void IDurableReleaseTarget<ulong>.EndOfReleases()
    {
        if (_runLength > 0)
        {
            WriteConfirm(_runAck, _runLast, _runLength);
            _runLength = 0;
        }
    }

    private void WriteConfirm(bool ack, ulong seq, int count)
    {
        if (ack)
        {
            VirtualHost.Publishes.OnConfirmed(PublishingProtocol.Amqp091, count);

            // Counted before it is written, so a client that saw the confirm reads it counted.
            _counters.OnConfirmed(count);
            Write(new BasicAck { DeliveryTag = seq, Multiple = count > 1 });
        }
        else
        {
            Write(new BasicNack { DeliveryTag = seq, Multiple = count > 1, Requeue = false });
        }
    }
}
