namespace Courier.Benchmarks.Budgets;

/// <summary>
/// Counts the bytes one operation allocates on the calling thread, averaged over many runs after a
/// warm-up (which lets pools, buffers and lazily created state reach their steady size). Counts
/// bytes, never time, so it gives the same answer on a loaded CI machine as on an idle one.
/// </summary>
/// <remarks>
/// The operations are measured in a few rounds and the lowest round counts: what the runtime
/// allocates once on this thread while a path is measured (tiering replacing its code, a cache
/// growing) lands in one round, where a loaded machine's timing puts it, while an allocation the
/// path makes every time, or every few times, is in every round. Without this a 0 B budget failed
/// now and then at 0.2 B per operation, one ~4 KB allocation in 20,000 operations.
/// </remarks>
public static class AllocationMeter
{
    public const int DefaultWarmup = 2_000;

    public const int DefaultOperations = 20_000;

    public const int Rounds = 3;

    public static double BytesPerOperation(Action operation, int warmup = DefaultWarmup, int operations = DefaultOperations)
    {
        for (var i = 0; i < warmup; i++)
        {
            operation();
        }

        var lowest = double.MaxValue;
        for (var round = 0; round < Rounds; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < operations; i++)
            {
                operation();
            }

            var after = GC.GetAllocatedBytesForCurrentThread();
            lowest = Math.Min(lowest, (after - before) / (double)operations);
        }

        return lowest;
    }
}
