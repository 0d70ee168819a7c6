using Courier.Core.Concurrency;
using Courier.Core.Statistics;
using Courier.Core.Storage;

namespace Courier.Storage.Journal;

/// <summary>
/// Makes one or more <see cref="SegmentLog"/>s durable in rounds (group commit): each round takes
/// everything appended to every log since the last, writes each log's pending bytes, syncs each
/// segment touched (one fsync batch covering every log), hands each log's records to the
/// <see cref="IReplicationStage"/>, and only then tells each log's waiters.
/// </summary>
/// <remarks>
/// <para>The loop wakes as soon as a log asks for a commit, so a lone publisher is not delayed by
/// a timer; whatever is appended while it writes and syncs forms the next round, which is how
/// rounds grow with load. <see cref="CommitPolicy.Batch"/> waits up to the batch window first;
/// <see cref="CommitPolicy.Never"/> skips the sync.</para>
/// <para>A log is never told before its own records are synced and replicated: waiters are told
/// in the round's last step. A log whose write, sync or replication fails is failed alone; the
/// other logs go on.</para>
/// <para>A log whose write or sync fails with an I/O error is stalled, not failed: the loop retries
/// its round after <see cref="JournalOptions.StallRetryMin"/>, doubling up to
/// <see cref="JournalOptions.StallRetryMax"/>, until it succeeds (see SegmentLog.Stall.cs).</para>
/// <para>Threading: logs call <see cref="RequestCommit"/> from any thread; everything else of a
/// round runs on the loop. A round allocates nothing when the stage completes at once.</para>
/// </remarks>
public sealed class GroupCommitter : IDisposable
{
    private readonly JournalOptions _options;
    private readonly IReplicationStage _stage;
    private readonly AsyncSignal _signal = new();
    private readonly CancellationTokenSource _stop = new();
    // A monitor, not a Lock: Detach waits on it for the round that commits its log.
    private readonly object _gate = new();
    private SegmentLog[] _logs = [];
    private int _signalled;
    private long _roundsStarted;
    private long _roundsCompleted;

    // What the round being committed wrote and synced (the loop's own).
    private long _roundBytes;
    private int _roundSyncs;
    private Task? _loop;

    public GroupCommitter(JournalOptions options, IReplicationStage? stage = null)
    {
        _options = options;
        _stage = stage ?? LocalReplicationStage.Instance;
    }

    /// <summary>Fsyncs, bytes written, batch sizes and commit latency of the rounds so far.</summary>
    public JournalStatistics Statistics { get; } = new();

    /// <summary>Rounds completed so far (tests use it to see one round cover several logs).</summary>
    public long Rounds => Interlocked.Read(ref _roundsCompleted);

    /// <summary>Adds a log to every round from the next; starts the loop with the first log.</summary>
    public void Attach(SegmentLog log)
    {
        lock (_gate)
        {
            _logs = [.. _logs, log];
            _loop ??= Task.Run(CommitLoopAsync);
        }
    }

    /// <summary>Commits what <paramref name="log"/> has pending, then leaves it out of later rounds.</summary>
    public void Detach(SegmentLog log)
    {
        WaitForRound();
        lock (_gate)
        {
            _logs = Array.FindAll(_logs, l => l != log);
        }
    }

    /// <summary>Asks for a round; cheap when one is already asked for.</summary>
    public void RequestCommit()
    {
        if (Volatile.Read(ref _signalled) == 0 && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Set();
        }
    }

    /// <summary>Waits until a round that started after this call has completed (or the loop is gone).</summary>
    private void WaitForRound()
    {
        lock (_gate)
        {
            if (_loop is null || _loop.IsCompleted)
            {
                return;
            }

            var wanted = _roundsStarted + 1;
            RequestCommit();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (_roundsCompleted < wanted && !_loop.IsCompleted && DateTime.UtcNow < deadline)
            {
                Monitor.Wait(_gate, TimeSpan.FromMilliseconds(100));
            }
        }
    }

    private async Task CommitLoopAsync()
    {
        var stopping = false;
        var retryDelay = TimeSpan.Zero;
        while (true)
        {
            try
            {
                if (retryDelay > TimeSpan.Zero)
                {
                    await WaitOrRetryAsync(retryDelay).ConfigureAwait(false);
                }
                else
                {
                    await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                stopping = true;
            }

            if (_options.Policy == CommitPolicy.Batch && !stopping)
            {
                await GatherBatchAsync().ConfigureAwait(false);
            }

            try
            {
                var started = _options.Time.GetTimestamp();
                var logs = WriteAndSync();
                foreach (var log in logs)
                {
                    // Awaited only when the stage did not complete at once: a single node's round
                    // allocates nothing here.
                    var replicated = log.ReplicateRoundAsync(_stage);
                    if (!replicated.IsCompletedSuccessfully)
                    {
                        await replicated.ConfigureAwait(false);
                    }
                }

                foreach (var log in logs)
                {
                    log.CompleteRound();
                }

                if (_roundBytes > 0)
                {
                    Statistics.OnRound(_roundBytes, _roundSyncs, _options.Time.GetElapsedTime(started));
                }
            }
            catch (Exception e)
            {
                // Nothing in a round should throw (each log catches its own I/O faults); if
                // something does, every log stops rather than leave waiters hanging.
                FailAll(e);
                return;
            }

            lock (_gate)
            {
                _roundsCompleted++;
                Monitor.PulseAll(_gate);
            }

            retryDelay = AnyStalled() ? NextRetryDelay(retryDelay) : TimeSpan.Zero;

            if (stopping)
            {
                return;
            }
        }
    }

    /// <summary>The round's first steps for every log: collect, write, then sync (one fsync batch).</summary>
    private SegmentLog[] WriteAndSync()
    {
        SegmentLog[] logs;
        lock (_gate)
        {
            _roundsStarted++;
            logs = _logs;
        }

        // Asks from here on wake the next round: this one may already have collected past them.
        Volatile.Write(ref _signalled, 0);
        foreach (var log in logs)
        {
            log.CollectRound();
        }

        _roundBytes = 0;
        _roundSyncs = 0;
        foreach (var log in logs)
        {
            _roundBytes += log.WriteRound();
        }

        if (_options.Policy != CommitPolicy.Never)
        {
            foreach (var log in logs)
            {
                _roundSyncs += log.SyncRound();
            }
        }

        return logs;
    }

    /// <summary>
    /// A log is stalled (disk full, I/O error): the next round comes when another log asks for one
    /// or after <paramref name="delay"/>, whichever is first, so the stalled round is retried with
    /// backoff without holding up the other logs. Throws only when the committer stops.
    /// </summary>
    private async Task WaitOrRetryAsync(TimeSpan delay)
    {
        using var timeout = new CancellationTokenSource(delay, _options.Time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, timeout.Token);
        try
        {
            await _signal.WaitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
        {
        }
    }

    private bool AnyStalled()
    {
        foreach (var log in Volatile.Read(ref _logs))
        {
            if (log.IsStalled && !log.IsFailed)
            {
                return true;
            }
        }

        return false;
    }

    private TimeSpan NextRetryDelay(TimeSpan last) =>
        last == TimeSpan.Zero ? _options.StallRetryMin
        : last * 2 > _options.StallRetryMax ? _options.StallRetryMax
        : last * 2;

    private void FailAll(Exception e)
    {
        foreach (var log in Volatile.Read(ref _logs))
        {
            log.FailFromCommitter(e);
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    private async Task GatherBatchAsync()
    {
        var pending = 0;
        foreach (var log in Volatile.Read(ref _logs))
        {
            pending += log.PendingBytes;
        }

        if (pending < _options.BatchBytes)
        {
            await Task.Delay(_options.BatchWindow).ConfigureAwait(false);
        }
    }

    /// <summary>Runs a last round, so everything appended to every log is written, and stops.</summary>
    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }
    }
}
