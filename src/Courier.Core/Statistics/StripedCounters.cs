namespace Courier.Core.Statistics;

/// <summary>
/// A fixed set of monotonic counters that many threads add to at once without sharing a hot cache
/// line: each processor adds to its own stripe, and a read sums the stripes.
/// </summary>
/// <remarks>
/// An add is one uncontended interlocked increment on a line the current processor usually owns
/// already; a read is a sum over at most 16 stripes, done only by management and metrics. Reads are
/// not a snapshot across slots (each slot is summed on its own), which is all a rate needs.
/// </remarks>
public sealed class StripedCounters
{
    private const int MaxStripes = 16;
    private const int LongsPerLine = 8;
    private static readonly int s_stripes = Math.Min(MaxStripes, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Environment.ProcessorCount));

    private readonly long[] _cells;
    private readonly int _stride;

    public StripedCounters(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        Slots = slots;

        // A whole cache line of room past each stripe's slots, so two stripes never share a line
        // whatever the array's alignment.
        _stride = ((slots + LongsPerLine - 1) / LongsPerLine * LongsPerLine) + LongsPerLine;
        _cells = new long[_stride * s_stripes];
    }

    public int Slots { get; }

    public void Increment(int slot) => Interlocked.Increment(ref _cells[StripeStart() + slot]);

    public void Add(int slot, long value) => Interlocked.Add(ref _cells[StripeStart() + slot], value);

    /// <summary>The slot's total over every stripe.</summary>
    public long Read(int slot)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)slot, (uint)Slots);
        long total = 0;
        for (var start = 0; start < _cells.Length; start += _stride)
        {
            total += Volatile.Read(ref _cells[start + slot]);
        }

        return total;
    }

    private int StripeStart() => (Thread.GetCurrentProcessorId() & (s_stripes - 1)) * _stride;
}
