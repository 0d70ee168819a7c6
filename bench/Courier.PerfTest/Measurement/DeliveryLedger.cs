namespace Courier.PerfTest.Measurement;

/// <summary>
/// Counts how many times each (producer, sequence) pair arrived, so the end of the run can say
/// exactly how many messages were lost and how many arrived more often than promised.
/// </summary>
/// <remarks>
/// One <c>int</c> per message, in chunks allocated on first touch: 4 MB per million messages.
/// Consumers on different threads increment the same counters (fanout), hence
/// <see cref="Interlocked"/>; allocating a chunk takes a lock, which happens once per 65,536
/// messages.
/// </remarks>
public sealed class DeliveryLedger
{
    public const int MaxProducers = 65_536;

    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;
    private const int MaxChunks = 1 << 14; // 2^30 messages per producer

    private readonly int[]?[]?[] _producers = new int[]?[]?[MaxProducers];
    private readonly Lock _gate = new();

    /// <summary>Counts one arrival; returns how many times this message has now arrived, or 0 if the stamp is out of range.</summary>
    public int Record(int producerId, long sequence)
    {
        if ((uint)producerId >= MaxProducers || (ulong)sequence >= (ulong)MaxChunks * ChunkSize)
        {
            return 0;
        }

        int[]?[] chunks = Volatile.Read(ref _producers[producerId]) ?? CreateProducer(producerId);
        int chunkIndex = (int)(sequence >> ChunkBits);
        int[] chunk = Volatile.Read(ref chunks[chunkIndex]) ?? CreateChunk(chunks, chunkIndex);
        return Interlocked.Increment(ref chunk[(int)(sequence & (ChunkSize - 1))]);
    }

    /// <summary>
    /// Compares arrivals with what was promised: <paramref name="copies"/> arrivals for each of
    /// the first <paramref name="sent"/>[p] sequence numbers of producer p. When <paramref name="sent"/>
    /// is null (a consume-only run), producer p is taken to have sent up to the highest sequence seen.
    /// </summary>
    public LedgerVerdict Verify(long[]? sent, Func<int, int> copies)
    {
        long lost = 0, duplicated = 0, satisfied = 0;
        int producers = sent?.Length ?? MaxProducers;
        for (int p = 0; p < producers; p++)
        {
            int[]?[]? chunks = Volatile.Read(ref _producers[p]);
            long seen = HighestSeen(chunks) + 1;
            long promised = sent?[p] ?? seen;
            int expected = copies(p);
            long end = Math.Max(promised, seen);
            for (long seq = 0; seq < end; seq++)
            {
                int count = CountOf(chunks, seq);
                int want = seq < promised ? expected : 0;
                if (count < want)
                {
                    lost += want - count;
                }
                else
                {
                    duplicated += count - want;
                }

                satisfied += Math.Min(count, want);
            }
        }

        return new LedgerVerdict(lost, duplicated, satisfied);
    }

    private static int CountOf(int[]?[]? chunks, long sequence)
    {
        int[]? chunk = chunks?[(int)(sequence >> ChunkBits)];
        return chunk is null ? 0 : Volatile.Read(ref chunk[(int)(sequence & (ChunkSize - 1))]);
    }

    private static long HighestSeen(int[]?[]? chunks)
    {
        if (chunks is null)
        {
            return -1;
        }

        for (int c = chunks.Length - 1; c >= 0; c--)
        {
            int[]? chunk = chunks[c];
            if (chunk is null)
            {
                continue;
            }

            for (int i = chunk.Length - 1; i >= 0; i--)
            {
                if (Volatile.Read(ref chunk[i]) != 0)
                {
                    return ((long)c << ChunkBits) + i;
                }
            }
        }

        return -1;
    }

    private int[]?[] CreateProducer(int producerId)
    {
        lock (_gate)
        {
            return _producers[producerId] ??= new int[]?[MaxChunks];
        }
    }

    private int[] CreateChunk(int[]?[] chunks, int index)
    {
        lock (_gate)
        {
            return chunks[index] ??= new int[ChunkSize];
        }
    }
}

/// <summary>
/// The ledger's answer: <paramref name="Lost"/> promised arrivals that never came,
/// <paramref name="Duplicated"/> arrivals beyond the promise, <paramref name="Satisfied"/> promised
/// arrivals that came.
/// </summary>
public readonly record struct LedgerVerdict(long Lost, long Duplicated, long Satisfied);
