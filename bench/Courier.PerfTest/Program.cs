using Courier.PerfTest.Delayed;
using Courier.PerfTest.Load;
using Courier.PerfTest.Options;
using Courier.PerfTest.Retained;

if (args.Length > 0 && args[0] == "delayed")
{
    var delayed = DelayedOptions.Parse(args.AsSpan(1), out string? delayedError);
    if (delayed is null)
    {
        Console.Error.WriteLine($"courier-perftest delayed: {delayedError}");
        Console.Error.WriteLine(DelayedOptions.Usage);
        return 2;
    }

    return await new DelayedScenario(delayed, Console.Out).RunAsync(CancellationToken.None);
}

if (args.Length > 0 && args[0] == "retained")
{
    var retained = RetainedOptions.Parse(args.AsSpan(1), out string? retainedError);
    if (retained is null)
    {
        Console.Error.WriteLine($"courier-perftest retained: {retainedError}");
        Console.Error.WriteLine(RetainedOptions.Usage);
        return 2;
    }

    return new RetainedScenario(retained, Console.Out).Run();
}

if (args.Length > 0 && args[0] == "mgmt-scale")
{
    var scale = Courier.PerfTest.Management.ManagementScaleOptions.Parse(args.AsSpan(1), out string? scaleError);
    if (scale is null)
    {
        Console.Error.WriteLine($"courier-perftest mgmt-scale: {scaleError}");
        Console.Error.WriteLine(Courier.PerfTest.Management.ManagementScaleOptions.Usage);
        return 2;
    }

    return await new Courier.PerfTest.Management.ManagementScaleScenario(scale, Console.Out).RunAsync(CancellationToken.None);
}

if (args.Length > 0 && args[0] is "--help" or "-?")
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}

var options = CommandLine.Parse(args, out string? error);
if (options is null)
{
    Console.Error.WriteLine($"courier-perftest: {error}");
    Console.Error.WriteLine("run with --help for the options");
    return 2;
}

if (options.IsMqtt && options.Mode != RunMode.Normal)
{
    Console.Error.WriteLine("courier-perftest: --publish-only and --consume-only need AMQP (MQTT clean sessions keep nothing)");
    return 2;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};

var transport = LoadTransports.For(options);
var run = new LoadRun(options, transport, Console.Out);
var summary = await run.ExecuteAsync(interrupted.Token);

Console.Error.WriteLine(
    $"sent {summary.Sent} ({summary.SentPerSecond:F0}/s), received {summary.Received} ({summary.ReceivedPerSecond:F0}/s), " +
    $"lost {summary.Lost?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"}, " +
    $"duplicated {summary.Duplicated?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "n/a"}, " +
    $"tool cpu {summary.ToolCpuSeconds:F1}s over {summary.WallSeconds:F1}s");
foreach (string e in summary.Errors)
{
    Console.Error.WriteLine($"error: {e}");
}

Console.WriteLine("SUMMARY " + summary.ToJson());
return summary.Errors.Count == 0 ? 0 : 1;
