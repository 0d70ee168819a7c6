using System.Diagnostics;

namespace Courier.PerfTest.Load;

/// <summary>
/// Spaces one producer's publishes at a fixed rate. Each publish has a due time counted from the
/// start, so a late publish does not push the rest back: the producer catches up in a burst and
/// the average holds. Used by the producer's own thread only.
/// </summary>
public sealed class RatePacer
{
    // Shorter waits are skipped; the due-time schedule absorbs them.
    private static readonly TimeSpan ShortestWait = TimeSpan.FromMilliseconds(0.2);

    private readonly double _ticksPerMessage;
    private long _start;
    private long _issued;

    /// <param name="messagesPerSecond">0 or less: no pacing.</param>
    public RatePacer(double messagesPerSecond)
    {
        _ticksPerMessage = messagesPerSecond > 0 ? Stopwatch.Frequency / messagesPerSecond : 0;
    }

    /// <summary>Whether publishes are paced at all.</summary>
    public bool Limited => _ticksPerMessage > 0;

    public void Start() => _start = Stopwatch.GetTimestamp();

    /// <summary>Blocks until the next publish is due; false if <paramref name="cancellationToken"/> fired first.</summary>
    public bool WaitTurn(CancellationToken cancellationToken)
    {
        if (_ticksPerMessage == 0)
        {
            return !cancellationToken.IsCancellationRequested;
        }

        long turn = _issued++;
        long due = _start + (long)(turn * _ticksPerMessage);
        TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
        if (wait < ShortestWait)
        {
            return !cancellationToken.IsCancellationRequested;
        }

        return !cancellationToken.WaitHandle.WaitOne(wait);
    }
}
