using Courier.Amqp091.Framing;
using Courier.Core.Storage;

namespace Courier.Amqp091.Channels;

/// <summary>
/// Publisher confirms. Each publish in confirm mode is confirmed once the journal sequence number it
/// depends on is durable (at once for a message nothing had to store). Confirms go out in
/// publish order, coalesced: one basic.ack (or basic.nack) with <c>multiple</c> covers every
/// consecutive publish settled the same way.
/// </summary>
/// <remarks>
/// The reader thread adds publishes; the store's committer reports durability on its own
/// thread. <see cref="_confirmGate"/> guards the pending list and orders the confirm frames.
/// </remarks>
internal sealed partial class AmqpChannel : IDurabilityWaiter
{
    /// <summary>Position of a publish the store refused: it is nacked.</summary>
    private const long FailedPosition = -1;

    private readonly Lock _confirmGate = new();
    private readonly Queue<(ulong Seq, long Position)> _unconfirmed = new();
    private long _durable;
    private long _highestPending;
    private long _waitingFor;
    private bool _storeFailed;

    private void TrackConfirm(ulong seq, long position)
    {
        lock (_confirmGate)
        {
            _unconfirmed.Enqueue((seq, position));
            if (position > _highestPending)
            {
                _highestPending = position;
            }
        }
    }

    /// <summary>End of a read batch: confirm what is settled, and ask the store to report the rest.</summary>
    private void FlushConfirms()
    {
        long waitFor;
        lock (_confirmGate)
        {
            if (_unconfirmed.Count == 0)
            {
                return;
            }

            WriteConfirmsLocked();
            waitFor = _highestPending > _durable && _highestPending > _waitingFor ? _highestPending : 0;
            if (waitFor != 0)
            {
                _waitingFor = waitFor;
            }
        }

        if (waitFor != 0)
        {
            Broker.Store?.WhenDurable(waitFor, this);
        }
    }

    public void OnDurable(long sequence)
    {
        lock (_confirmGate)
        {
            if (sequence > _durable)
            {
                _durable = sequence;
            }

            WriteConfirmsLocked();
        }
    }

    public void OnStoreFailed()
    {
        lock (_confirmGate)
        {
            _storeFailed = true;
            WriteConfirmsLocked();
        }
    }

    private void WriteConfirmsLocked()
    {
        if (_state != ChannelState.Open)
        {
            _unconfirmed.Clear();
            return;
        }

        ulong runLast = 0;
        var runLength = 0;
        var runAck = false;
        while (_unconfirmed.TryPeek(out var pending))
        {
            bool ack;
            if (pending.Position == FailedPosition)
            {
                ack = false;
            }
            else if (pending.Position <= _durable)
            {
                ack = true;
            }
            else if (_storeFailed)
            {
                ack = false;
            }
            else
            {
                break;
            }

            if (runLength > 0 && ack != runAck)
            {
                WriteConfirm(runAck, runLast, runLength);
                runLength = 0;
            }

            _unconfirmed.Dequeue();
            runAck = ack;
            runLast = pending.Seq;
            runLength++;
        }

        if (runLength > 0)
        {
            WriteConfirm(runAck, runLast, runLength);
        }
    }

    private void WriteConfirm(bool ack, ulong seq, int count)
    {
        if (ack)
        {
            Write(new BasicAck { DeliveryTag = seq, Multiple = count > 1 });
        }
        else
        {
            Write(new BasicNack { DeliveryTag = seq, Multiple = count > 1, Requeue = false });
        }
    }
}
