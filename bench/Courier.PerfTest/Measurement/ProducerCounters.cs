namespace Courier.PerfTest.Measurement;

/// <summary>
/// One producer's running totals, written by its publish lanes and the client's confirm callback
/// and read by the progress reporter once a second. Each producer has its own, so the
/// interlocked adds are uncontended.
/// </summary>
public sealed class ProducerCounters
{
    private long _sent;
    private long _confirmed;
    private long _nacked;

    public long Sent => Volatile.Read(ref _sent);
    public long Confirmed => Volatile.Read(ref _confirmed);
    public long Nacked => Volatile.Read(ref _nacked);

    public void CountSent() => Interlocked.Increment(ref _sent);

    public void CountConfirmed(long count) => Interlocked.Add(ref _confirmed, count);

    public void CountNacked(long count) => Interlocked.Add(ref _nacked, count);
}
