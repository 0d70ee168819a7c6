using BenchmarkDotNet.Running;
using Courier.Benchmarks.Budgets;

// Benchmarks of Courier's per-message hot paths, run in process on the real code.
//   dotnet run -c Release --project bench/Courier.Benchmarks -- --filter '*' --job short
//   dotnet run -c Release --project bench/Courier.Benchmarks -- --check-budgets
if (args is ["--check-budgets"])
{
    return BudgetCheck.Run(Console.Out);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
