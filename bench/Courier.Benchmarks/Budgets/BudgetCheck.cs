namespace Courier.Benchmarks.Budgets;

/// <summary>The <c>--check-budgets</c> mode: measures every hot path and fails if one is over budget.</summary>
public static class BudgetCheck
{
    public static int Run(TextWriter output)
    {
        var failures = 0;
        output.WriteLine($"{"hot path",-28} {"bytes/op",10} {"budget",8}");
        foreach (var budget in AllocationBudgets.All)
        {
            using var run = budget.Prepare();
            var measured = AllocationMeter.BytesPerOperation(run.Operation);
            var over = measured > budget.BytesPerOperation;
            failures += over ? 1 : 0;
            output.WriteLine($"{budget.Name,-28} {measured,10:0.#} {budget.BytesPerOperation,8}{(over ? "  OVER BUDGET" : "")}");
        }

        output.WriteLine(failures == 0 ? "every hot path is within its allocation budget" : $"{failures} hot path(s) over budget");
        return failures == 0 ? 0 : 1;
    }
}
