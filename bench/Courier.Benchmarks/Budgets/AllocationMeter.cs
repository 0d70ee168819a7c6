namespace Courier.Benchmarks.Budgets;

/// <summary>
/// Counts the bytes one operation allocates on the calling thread, averaged over many runs after a
/// warm-up (which lets pools, buffers and lazily created state reach their steady size). Counts
/// bytes, never time, so it gives the same answer on a loaded CI machine as on an idle one.
/// </summary>
public static class AllocationMeter
{
    public const int DefaultWarmup = 2_000;

    public const int DefaultOperations = 20_000;

    public static double BytesPerOperation(Action operation, int warmup = DefaultWarmup, int operations = DefaultOperations)
    {
        for (var i = 0; i < warmup; i++)
        {
            operation();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < operations; i++)
        {
            operation();
        }

        var after = GC.GetAllocatedBytesForCurrentThread();
        return (after - before) / (double)operations;
    }
}
