namespace Courier.Core.Storage;

/// <summary>What a protocol does with an acknowledgement it owes once its fate is known.</summary>
public interface IDurableReleaseTarget<in T>
{
    /// <summary>False once the channel or connection is gone: what is pending is dropped, not released.</summary>
    bool IsOpen { get; }

    /// <summary>Called in publish order, under the releases' lock: <paramref name="stored"/> is false when the store refused or failed it.</summary>
    void Release(T item, bool stored);

    /// <summary>The end of one run of releases (a protocol that coalesces them writes what it gathered).</summary>
    void EndOfReleases();
}

/// <summary>
/// The acknowledgements a publisher is owed (AMQP publisher confirms, MQTT PUBACK and PUBREC),
/// each waiting for the journal position its message depends on, released in publish order once
/// that position is durable; position 0 (nothing to store) is released at once and
/// <see cref="FailedPosition"/> as refused.
/// </summary>
/// <remarks>
/// The protocol's reader adds items and calls <see cref="Flush"/> at the end of a read batch; the
/// store's committer reports durability on its own thread. One lock guards the pending items and
/// orders the releases, so the target writes them in order whichever thread releases them.
/// </remarks>
public sealed class DurableReleases<T> : IDurabilityWaiter
{
    /// <summary>Position of a publish the broker could not take: it is released as refused.</summary>
    public const long FailedPosition = -1;

    private readonly Lock _gate = new();
    private readonly Queue<(T Item, long Position)> _pending = new();
    private readonly IDurableReleaseTarget<T> _target;
    private long _durable;
    private long _highestPending;
    private long _waitingFor;
    private bool _storeFailed;

    public DurableReleases(IDurableReleaseTarget<T> target)
    {
        _target = target;
    }

    public void Add(T item, long position)
    {
        lock (_gate)
        {
            _pending.Enqueue((item, position));
            if (position > _highestPending)
            {
                _highestPending = position;
            }
        }
    }

    /// <summary>End of a read batch: release what is settled, and ask the store to report the rest.</summary>
    public void Flush(IMessageStore? store)
    {
        long waitFor;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            ReleaseLocked();
            waitFor = _highestPending > _durable && _highestPending > _waitingFor ? _highestPending : 0;
            if (waitFor != 0)
            {
                _waitingFor = waitFor;
            }
        }

        if (waitFor != 0)
        {
            store?.WhenDurable(waitFor, this);
        }
    }

    public void OnDurable(long sequence)
    {
        lock (_gate)
        {
            if (sequence > _durable)
            {
                _durable = sequence;
            }

            ReleaseLocked();
        }
    }

    public void OnStoreFailed()
    {
        lock (_gate)
        {
            _storeFailed = true;
            ReleaseLocked();
        }
    }

    private void ReleaseLocked()
    {
        if (!_target.IsOpen)
        {
            _pending.Clear();
            return;
        }

        var released = false;
        while (_pending.TryPeek(out var pending))
        {
            bool stored;
            if (pending.Position == FailedPosition)
            {
                stored = false;
            }
            else if (pending.Position <= _durable)
            {
                stored = true;
            }
            else if (_storeFailed)
            {
                stored = false;
            }
            else
            {
                break;
            }

            _pending.Dequeue();
            _target.Release(pending.Item, stored);
            released = true;
        }

        if (released)
        {
            _target.EndOfReleases();
        }
    }
}
