using System.Diagnostics;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>The built courierctl executable, as a user runs it: settings from the environment, output on its streams, its exit code.</summary>
public sealed class ExecutableTests
{
    [Fact]
    public async Task The_built_tool_reads_its_settings_from_the_environment_and_exits_with_the_APIs_verdict()
    {
        await using var broker = await CtlBroker.StartAsync();

        var declared = await RunToolAsync(broker, "declare", "queue", "from-the-tool");
        Assert.Equal(0, declared.Exit);
        Assert.Equal(0, broker.MessagesIn("from-the-tool"));

        var listed = await RunToolAsync(broker, "list", "queues", "--columns", "name");
        Assert.Equal(0, listed.Exit);
        Assert.Equal(["name", "from-the-tool"], listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var refused = await RunToolAsync(broker, "purge", "queue", "not-there");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("404", refused.Error, StringComparison.Ordinal);
    }

    private static async Task<CtlResult> RunToolAsync(CtlBroker broker, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "courierctl.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["COURIER_URL"] = broker.Url;
        start.Environment["COURIER_USER"] = "guest";
        start.Environment["COURIER_PASSWORD"] = "guest";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CtlResult(process.ExitCode, await output, await error);
    }
}
