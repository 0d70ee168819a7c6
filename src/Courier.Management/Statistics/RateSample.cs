using Courier.Core.Statistics;

namespace Courier.Management.Statistics;

/// <summary>
/// The last two readings of one object's counts and depth (or, for a connection, its traffic),
/// <see cref="Seconds"/> apart, from which its rates are computed (per second over the last
/// sampling interval, as RabbitMQ's <c>*_details.rate</c> with its default
/// <c>collect_statistics_interval</c> of 5 s).
/// </summary>
public sealed class RateSample
{
    public MessageStats Previous { get; private set; }

    public MessageStats Current { get; private set; }

    public QueueDepth PreviousDepth { get; private set; }

    public QueueDepth Depth { get; private set; }

    public TrafficStats PreviousTraffic { get; private set; }

    public TrafficStats Traffic { get; private set; }

    public double Seconds { get; private set; }

    /// <summary>The first reading of an object: its counts and traffic arrived during the interval before (it is new, or the node is), its depth did not.</summary>
    internal static RateSample First(MessageStats counts, QueueDepth depth, TrafficStats traffic, double seconds) => new()
    {
        Current = counts,
        Depth = depth,
        PreviousDepth = depth,
        Traffic = traffic,
        Seconds = seconds,
    };

    /// <summary>The samples added up (a user's visible vhosts); null when there are none.</summary>
    public static RateSample? Sum(IReadOnlyList<RateSample> samples)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var sum = new RateSample { Seconds = samples[0].Seconds };
        foreach (var sample in samples)
        {
            sum.Previous += sample.Previous;
            sum.Current += sample.Current;
            sum.PreviousDepth += sample.PreviousDepth;
            sum.Depth += sample.Depth;
        }

        return sum;
    }

    internal void Next(MessageStats counts, QueueDepth depth, TrafficStats traffic, double seconds)
    {
        Previous = Current;
        PreviousDepth = Depth;
        PreviousTraffic = Traffic;
        Current = counts;
        Depth = depth;
        Traffic = traffic;
        Seconds = seconds;
    }

    /// <summary>Per second over the last interval, of the count <paramref name="of"/> picks.</summary>
    public double Rate(Func<MessageStats, long> of) => Math.Max(0, PerSecond(of(Current) - of(Previous)));

    /// <summary>Per second over the last interval, of a depth (it may fall: negative).</summary>
    public double DepthRate(Func<QueueDepth, long> of) => PerSecond(of(Depth) - of(PreviousDepth));

    /// <summary>Per second over the last interval, of a connection's byte or read/write count.</summary>
    public double TrafficRate(Func<TrafficStats, long> of) => Math.Max(0, PerSecond(of(Traffic) - of(PreviousTraffic)));

    private double PerSecond(long change) => Seconds > 0 ? change / Seconds : 0.0;
}

/// <summary>Messages in a queue (or summed over queues) at one reading.</summary>
public readonly record struct QueueDepth(long Ready, long Unacknowledged)
{
    public long Total => Ready + Unacknowledged;

    public static QueueDepth operator +(QueueDepth a, QueueDepth b) => new(a.Ready + b.Ready, a.Unacknowledged + b.Unacknowledged);
}
