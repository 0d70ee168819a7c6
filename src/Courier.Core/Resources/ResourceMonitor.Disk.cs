using Courier.Core.Storage;

namespace Courier.Core.Resources;

/// <summary>
/// The disk alarm as a bound rather than a poll: the store reserves what it appends
/// (<see cref="IDiskSpaceAccount"/>), and free space is taken as the last measurement less
/// everything reserved since, so publishers are blocked before the bytes that would cross the
/// limit reach the disk, however large the messages and however fast they come.
/// </summary>
/// <remarks>
/// A measurement counts as written only what the store had written when it was taken: bytes
/// appended but not yet written then stay reserved against it (so a round being written during
/// the measurement may be counted twice until the next one: the error is on the safe side).
/// A store that cannot write at all keeps the alarm on until it can.
/// </remarks>
public sealed partial class ResourceMonitor : IDiskSpaceAccount
{
    private readonly Lock _diskGate = new();
    private long _lastDiskFree = long.MaxValue;
    private long _unwrittenBytes;
    private long _reservedSinceMeasure;
    private int _storeStalled;
    private long _lastAppendBytes;

    /// <summary>Free bytes as the alarm sees them: the last measurement less what was reserved since.</summary>
    public long DiskFreeEstimate => Volatile.Read(ref _lastDiskFree) - Interlocked.Read(ref _reservedSinceMeasure);

    /// <summary>True while any store (the journal, a keyed log) reports it cannot write.</summary>
    public bool IsStoreStalled => Volatile.Read(ref _storeStalled) > 0;

    bool IDiskSpaceAccount.IsLow => Volatile.Read(ref _diskAlarm);

    void IDiskSpaceAccount.Reserve(long bytes)
    {
        Volatile.Write(ref _lastAppendBytes, bytes);
        Interlocked.Add(ref _unwrittenBytes, bytes);
        var reserved = Interlocked.Add(ref _reservedSinceMeasure, bytes);
        var limit = Volatile.Read(ref _diskLimit);
        // The alarm comes when the next append of the same size would cross the limit, so with
        // publishes of like sizes free space never goes below it (a larger one can cross it by
        // the difference).
        if (_diskFree is not null && limit > 0 && !Volatile.Read(ref _diskAlarm)
            && Volatile.Read(ref _lastDiskFree) - reserved - bytes < limit)
        {
            SetDiskAlarm(true);
        }
    }

    void IDiskSpaceAccount.Written(long bytes) => Interlocked.Add(ref _unwrittenBytes, -bytes);

    void IDiskSpaceAccount.Freed() => CheckDisk();

    // Counted, not a flag: several stores report to one account (the journal and each keyed log),
    // each pairing its true with a false, and the alarm stays on until the last of them writes again.
    void IDiskSpaceAccount.SetStalled(bool stalled)
    {
        Interlocked.Add(ref _storeStalled, stalled ? 1 : -1);
        if (stalled)
        {
            SetDiskAlarm(true);
        }
        else
        {
            CheckDisk();
        }
    }

    /// <summary>
    /// Measures free space and restarts the count of what is reserved against it; returns the
    /// estimate less the size of the last append, so a poll does not clear an alarm that the
    /// last append raised (one more of its size would still cross the limit).
    /// </summary>
    private long MeasureDisk(Func<long> diskFree)
    {
        lock (_diskGate)
        {
            var unwritten = Interlocked.Read(ref _unwrittenBytes);
            var free = diskFree();
            Interlocked.Exchange(ref _reservedSinceMeasure, Math.Max(0, unwritten));
            Volatile.Write(ref _lastDiskFree, free);
            return free - Math.Max(0, unwritten) - Volatile.Read(ref _lastAppendBytes);
        }
    }
}
