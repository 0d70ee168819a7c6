namespace Courier.Core.Statistics;

/// <summary>
/// A Prometheus-style histogram (cumulative buckets by upper bound, a sum and a count) with one
/// writer: the thread that observes owns it, and readers on other threads see each field whole,
/// possibly a moment apart (a scrape may see a count one ahead of a bucket, never a torn value).
/// </summary>
public sealed class Histogram
{
    private readonly long[] _buckets;
    private long _count;
    private long _sumBits;

    /// <param name="upperBounds">The buckets' inclusive upper bounds, ascending; <c>+Inf</c> is implied.</param>
    public Histogram(params double[] upperBounds)
    {
        for (var i = 1; i < upperBounds.Length; i++)
        {
            if (!(upperBounds[i] > upperBounds[i - 1]))
            {
                throw new ArgumentException("bucket bounds must be ascending", nameof(upperBounds));
            }
        }

        UpperBounds = upperBounds;
        _buckets = new long[upperBounds.Length];
    }

    public IReadOnlyList<double> UpperBounds { get; }

    public long Count => Volatile.Read(ref _count);

    public double Sum => BitConverter.Int64BitsToDouble(Volatile.Read(ref _sumBits));

    /// <summary>Observations at or below bucket <paramref name="index"/>'s bound (cumulative, as Prometheus' <c>le</c>).</summary>
    public long CumulativeCount(int index)
    {
        long total = 0;
        for (var i = 0; i <= index; i++)
        {
            total += Volatile.Read(ref _buckets[i]);
        }

        return total;
    }

    /// <summary>Records one value; only the owning thread calls this.</summary>
    public void Observe(double value)
    {
        for (var i = 0; i < _buckets.Length; i++)
        {
            if (value <= UpperBounds[i])
            {
                Volatile.Write(ref _buckets[i], _buckets[i] + 1);
                break;
            }
        }

        Volatile.Write(ref _sumBits, BitConverter.DoubleToInt64Bits(Sum + value));
        Volatile.Write(ref _count, _count + 1);
    }
}
