using System.Diagnostics;

namespace Courier.PerfTest.Amqp;

/// <summary>
/// Bounds a channel's unconfirmed publishes and settles them as basic.ack / basic.nack arrive.
/// </summary>
/// <remarks>
/// Delivery tags are the channel's publish sequence numbers, 1, 2, 3, … in the order this
/// window hands them out, which is why one producer thread must both <see cref="Reserve"/> and
/// publish. Pending tags live in a ring indexed by tag; a tag may be reserved only while it is
/// within the ring's length of the oldest pending one, so a single stuck confirm stalls the
/// producer instead of wrapping the ring. The client raises confirms on its reader loop, one at a
/// time, while the producer reserves concurrently: both sides take <see cref="_gate"/>.
/// </remarks>
public sealed class ConfirmWindow : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly bool[] _pending;
    private readonly int _mask;
    private readonly Lock _gate = new();
    private ulong _oldestPending = 1;
    private ulong _nextTag = 1;
    private int _outstanding;

    public ConfirmWindow(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        _slots = new SemaphoreSlim(size, size);
        _pending = new bool[(int)Math.Max(64, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)size * 4))];
        _mask = _pending.Length - 1;
    }

    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>Blocks until a slot is free and returns the delivery tag the next publish will carry.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public ulong Reserve(CancellationToken cancellationToken)
    {
        _slots.Wait(cancellationToken);
        while (true)
        {
            if (TryTakeTag(out ulong tag))
            {
                return tag;
            }

            if (cancellationToken.WaitHandle.WaitOne(1))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    /// <summary>Takes a slot without blocking when one is free; false when the producer would have to wait.</summary>
    public bool TryReserve(out ulong tag)
    {
        if (!_slots.Wait(0))
        {
            tag = 0;
            return false;
        }

        if (TryTakeTag(out tag))
        {
            return true;
        }

        _slots.Release();
        return false;
    }

    /// <summary>With a slot held: the next tag, unless it would share its ring place with a pending one.</summary>
    private bool TryTakeTag(out ulong tag)
    {
        lock (_gate)
        {
            if (_nextTag - _oldestPending < (ulong)_pending.Length)
            {
                tag = _nextTag++;
                _pending[tag & (ulong)_mask] = true;
                _outstanding++;
                return true;
            }
        }

        tag = 0;
        return false;
    }

    /// <summary>Settles <paramref name="tag"/> (and every earlier one when <paramref name="multiple"/>); returns how many were pending.</summary>
    public int Settle(ulong tag, bool multiple)
    {
        int settled = 0;
        lock (_gate)
        {
            if (tag >= _nextTag)
            {
                tag = _nextTag - 1; // a confirm for a tag never published: ignore the excess
            }

            ulong from = multiple ? _oldestPending : tag;
            for (ulong t = from; t <= tag && t >= _oldestPending; t++)
            {
                ref bool pending = ref _pending[t & (ulong)_mask];
                if (pending)
                {
                    pending = false;
                    settled++;
                }
            }

            while (_oldestPending < _nextTag && !_pending[_oldestPending & (ulong)_mask])
            {
                _oldestPending++;
            }

            _outstanding -= settled;
        }

        if (settled > 0)
        {
            _slots.Release(settled);
        }

        return settled;
    }

    /// <summary>Blocks until nothing is pending, <paramref name="timeout"/> passes, or <paramref name="cancellationToken"/> fires.</summary>
    public void Drain(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        long start = Stopwatch.GetTimestamp();
        while (Outstanding > 0 && Stopwatch.GetElapsedTime(start) < timeout && !cancellationToken.IsCancellationRequested)
        {
            Thread.Sleep(2);
        }
    }

    public void Dispose() => _slots.Dispose();
}
