namespace Courier.Core.Resources;

/// <summary>
/// Watches the resources publishers can exhaust and raises an alarm past a limit: memory held by
/// message bodies (counted as queues take and release them) and free disk space under the data
/// directory (checked periodically). While any alarm is on, publishing connections are blocked;
/// protocols learn of changes through <see cref="Changed"/> and wait with <see cref="WaitUntilClearAsync"/>.
/// </summary>
/// <remarks>
/// The memory count is the bodies of messages held in memory by queues, counted once per queue that
/// holds them; it is updated with an interlocked add per message, and the alarm is re-evaluated on
/// each change, so a burst is stopped without waiting for a timer.
/// </remarks>
public sealed partial class ResourceMonitor : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<long>? _diskFree;
    private readonly ITimer? _timer;
    private long _messageBytes;
    private long _memoryLimit;
    private long _pagingThreshold;
    private readonly double _pagingRatio;
    private long _diskLimit;
    private bool _memoryAlarm;
    private bool _diskAlarm;
    private TaskCompletionSource _clear = NewClearedSource();

    public ResourceMonitor(ResourceLimits limits, TimeProvider time, Func<long>? diskFree)
    {
        _memoryLimit = limits.MemoryHighWatermark;
        _pagingRatio = limits.PagingRatio;
        _pagingThreshold = (long)(limits.MemoryHighWatermark * limits.PagingRatio);
        _diskLimit = limits.DiskFreeLimit;
        QueueReadyInMemory = limits.QueueReadyInMemory;
        QueueHeadBytes = limits.QueueHeadBytes;
        Connections = new ConnectionLimit(limits.MaxConnections);
        ConnectionRate = new ConnectionRateLimit(limits.MaxConnectionRate, time);
        _diskFree = diskFree;
        if (diskFree is not null)
        {
            _timer = time.CreateTimer(static s => ((ResourceMonitor)s!).CheckDisk(), this, TimeSpan.Zero, limits.DiskCheckInterval);
        }
    }

    /// <summary>A monitor with no limits (tests and embedded use that does not want alarms).</summary>
    public static ResourceMonitor Unlimited() => new(new ResourceLimits { DiskFreeLimit = 0 }, TimeProvider.System, diskFree: null);

    /// <summary>Raised after any alarm turns on or off, with the new state; handlers must be quick.</summary>
    public event Action<ResourceAlarm>? Changed;

    /// <summary>Raised when held message bytes cross the paging threshold upwards; queues should page out.</summary>
    public event Action? PagingNeeded;

    public long MessageBytes => Interlocked.Read(ref _messageBytes);

    /// <summary><see cref="ResourceLimits.QueueReadyInMemory"/>; 0 when there is none.</summary>
    public int QueueReadyInMemory { get; }

    /// <summary><see cref="ResourceLimits.QueueHeadBytes"/>; 0 when the head is bounded in count only.</summary>
    public long QueueHeadBytes { get; }

    /// <summary>The node's open connections against <see cref="ResourceLimits.MaxConnections"/>.</summary>
    public ConnectionLimit Connections { get; }

    /// <summary>Messages the node's queues paged out to the journal and read back in.</summary>
    public Statistics.PagingCounters Paging { get; } = new();

    /// <summary>New connections per second against <see cref="ResourceLimits.MaxConnectionRate"/>.</summary>
    public ConnectionRateLimit ConnectionRate { get; }

    /// <summary>True while message bodies held in memory are past the paging threshold.</summary>
    public bool IsPaging
    {
        get
        {
            var threshold = Volatile.Read(ref _pagingThreshold);
            return threshold > 0 && Interlocked.Read(ref _messageBytes) > threshold;
        }
    }

    public ResourceAlarm Alarm
    {
        get
        {
            lock (_gate)
            {
                return new ResourceAlarm(_memoryAlarm, _diskAlarm);
            }
        }
    }

    public bool IsBlocked => Volatile.Read(ref _memoryAlarm) || Volatile.Read(ref _diskAlarm);

    public void AddMessageBytes(long bytes)
    {
        var total = Interlocked.Add(ref _messageBytes, bytes);
        var threshold = Volatile.Read(ref _pagingThreshold);
        if (threshold > 0 && total > threshold && total - bytes <= threshold)
        {
            PagingNeeded?.Invoke();
        }

        var limit = Volatile.Read(ref _memoryLimit);
        if (limit > 0 && total > limit && !Volatile.Read(ref _memoryAlarm))
        {
            RecheckMemory();
        }
    }

    public void RemoveMessageBytes(long bytes)
    {
        var total = Interlocked.Add(ref _messageBytes, -bytes);
        if (Volatile.Read(ref _memoryAlarm) && total <= Volatile.Read(ref _memoryLimit))
        {
            RecheckMemory();
        }
    }

    /// <summary>Changes the memory limit at run time (management, tests).</summary>
    public void SetMemoryLimit(long bytes)
    {
        Volatile.Write(ref _memoryLimit, bytes);
        Volatile.Write(ref _pagingThreshold, (long)(bytes * _pagingRatio));
        RecheckMemory();
    }

    /// <summary>Changes the disk free limit at run time and re-checks at once.</summary>
    public void SetDiskFreeLimit(long bytes)
    {
        Volatile.Write(ref _diskLimit, bytes);
        CheckDisk();
    }

    /// <summary>Completes when no alarm is on.</summary>
    public Task WaitUntilClearAsync(CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            task = _clear.Task;
        }

        return task.WaitAsync(cancellationToken);
    }

    private void CheckDisk()
    {
        if (_diskFree is null)
        {
            SetDiskAlarm(IsStoreStalled);
            return;
        }

        var limit = Volatile.Read(ref _diskLimit);
        bool alarm;
        try
        {
            alarm = limit > 0 && MeasureDisk(_diskFree) < limit;
        }
        catch (IOException)
        {
            return;
        }

        SetDiskAlarm(alarm || IsStoreStalled);
    }

    // Concurrent adds and removes may each see a different total; deciding under the lock from
    // the count as it is now keeps the alarm consistent with the last change.
    private void RecheckMemory() => Update(recheckMemory: true, disk: null);

    private void SetDiskAlarm(bool on) => Update(recheckMemory: false, disk: on);

    private void Update(bool recheckMemory, bool? disk)
    {
        ResourceAlarm state;
        lock (_gate)
        {
            var before = new ResourceAlarm(_memoryAlarm, _diskAlarm);
            if (recheckMemory)
            {
                var limit = Volatile.Read(ref _memoryLimit);
                _memoryAlarm = limit > 0 && Interlocked.Read(ref _messageBytes) > limit;
            }

            if (disk is { } d)
            {
                _diskAlarm = d;
            }

            state = new ResourceAlarm(_memoryAlarm, _diskAlarm);
            if (state == before)
            {
                return;
            }

            if (state.IsBlocked && !before.IsBlocked)
            {
                _clear = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else if (!state.IsBlocked)
            {
                _clear.TrySetResult();
            }
        }

        Changed?.Invoke(state);
    }

    private static TaskCompletionSource NewClearedSource()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    public void Dispose() => _timer?.Dispose();
}

/// <summary>Which alarms are on.</summary>
public readonly record struct ResourceAlarm(bool Memory, bool Disk)
{
    public bool IsBlocked => Memory || Disk;

    /// <summary>The reason clients are told (RabbitMQ's wording).</summary>
    public string Reason => (Memory, Disk) switch
    {
        (true, true) => "low on memory and disk",
        (true, false) => "low on memory",
        (false, true) => "low on disk",
        _ => string.Empty,
    };
}
