namespace Courier.Benchmarks.Budgets;

/// <summary>
/// How many bytes one run of a hot path may allocate, and why that many. <see cref="Prepare"/>
/// builds the path's state (outside the measurement) and returns the operation to measure.
/// </summary>
public sealed record AllocationBudget(string Name, long BytesPerOperation, string Reason, Func<HotPathRun> Prepare)
{
    public override string ToString() => Name;
}

/// <summary>A prepared hot path: the operation, and whatever must be disposed after measuring it.</summary>
public sealed class HotPathRun(Action operation, IDisposable? resources = null) : IDisposable
{
    public Action Operation { get; } = operation;

    public void Dispose() => resources?.Dispose();
}
