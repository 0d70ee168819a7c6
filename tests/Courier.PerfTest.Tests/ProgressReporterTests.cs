using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Tests;

public sealed class ProgressReporterTests
{
    [Fact]
    public async Task Latencies_recorded_within_the_warm_up_are_left_out_of_the_run()
    {
        var (reporter, sink) = Reporter(TimeSpan.FromHours(1));
        sink.Latency.RecordValue(250);

        await reporter.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(0, reporter.Latency.TotalCount);
    }

    [Fact]
    public async Task Without_a_warm_up_every_latency_counts()
    {
        var (reporter, sink) = Reporter(TimeSpan.Zero);
        sink.Latency.RecordValue(250);
        sink.Latency.RecordValue(400);

        await reporter.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(2, reporter.Latency.TotalCount);
        Assert.InRange(reporter.Latency.GetValueAtPercentile(100), 399, 401);
    }

    private static (ProgressReporter, DeliverySink) Reporter(TimeSpan warmup)
    {
        var sink = new DeliverySink(new DeliveryLedger(), static _ => 1);
        return (new ProgressReporter([], [sink], brokerPid: null, output: null, warmup), sink);
    }
}
