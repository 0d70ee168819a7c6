using Courier.Benchmarks.Budgets;

namespace Courier.Benchmarks.Tests;

/// <summary>
/// Runs each per-message hot path in process many times and fails when it allocates more bytes per
/// operation than its budget (<see cref="AllocationBudgets"/>). Counts bytes only, never time.
/// </summary>
public sealed class AllocationBudgetTests
{
    public static TheoryData<string> HotPaths()
    {
        var data = new TheoryData<string>();
        foreach (var budget in AllocationBudgets.All)
        {
            data.Add(budget.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HotPaths))]
    public void Hot_path_allocates_no_more_than_its_budget(string hotPath)
    {
        var budget = AllocationBudgets.Get(hotPath);
        using var run = budget.Prepare();

        var measured = AllocationMeter.BytesPerOperation(run.Operation);

        Assert.True(
            measured <= budget.BytesPerOperation,
            $"'{hotPath}' allocates {measured:0.#} B per operation, over its budget of {budget.BytesPerOperation} B ({budget.Reason})");
    }

    [Fact]
    public void The_meter_sees_an_allocation_of_known_size()
    {
        // An object with two longs: 16 B of header and method table, 16 B of fields.
        object? kept = null;
        var measured = AllocationMeter.BytesPerOperation(() => kept = new Tuple<long, long>(1, 2), warmup: 10, operations: 1_000);

        Assert.NotNull(kept);
        Assert.Equal(32, measured);
    }

    [Fact]
    public void The_meter_sees_an_allocation_made_only_every_hundredth_operation()
    {
        // Taking the lowest of its rounds must not hide what a path allocates now and then.
        object? kept = null;
        var count = 0;
        var measured = AllocationMeter.BytesPerOperation(() => kept = ++count % 100 == 0 ? new Tuple<long, long>(1, 2) : kept, warmup: 10, operations: 10_000);

        Assert.Equal(0.32, measured, precision: 2);
    }
}
