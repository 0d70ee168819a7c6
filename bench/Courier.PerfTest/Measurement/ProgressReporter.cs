using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Courier.PerfTest.Measurement;

/// <summary>
/// Once a second: sums the producers' and consumers' counters, swaps out the latency recorders,
/// samples the broker's memory and CPU, and prints one line. The run's whole latency histogram
/// is the sum of these intervals, less those that ended within the warm-up.
/// </summary>
public sealed class ProgressReporter
{
    private readonly IReadOnlyList<ProducerCounters> _producers;
    private readonly IReadOnlyList<DeliverySink> _sinks;
    private readonly int? _brokerPid;
    private readonly TextWriter? _output;
    private readonly LongHistogram _interval = NewHistogram();
    private readonly LongHistogram _scratch = NewHistogram();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _warmup;
    private long _lastTick;
    private long _lastSent;
    private long _lastConfirmed;
    private long _lastReceived;
    private double _lastOwnCpu;
    private double? _lastBrokerCpu;

    public ProgressReporter(IReadOnlyList<ProducerCounters> producers, IReadOnlyList<DeliverySink> sinks, int? brokerPid, TextWriter? output,
        TimeSpan warmup = default)
    {
        _warmup = warmup;
        _producers = producers;
        _sinks = sinks;
        _brokerPid = brokerPid;
        _output = output;
        _lastTick = _start;
        _lastOwnCpu = ProcessProbe.OwnCpuSeconds();
        _lastBrokerCpu = brokerPid is int pid ? ProcessProbe.CpuSeconds(pid) : null;
        BrokerRssPeakKib = brokerPid is int p ? ProcessProbe.ResidentKib(p) : null;
    }

    /// <summary>Every latency recorded so far after the warm-up, in microseconds.</summary>
    public LongHistogram Latency { get; } = NewHistogram();

    public long? BrokerRssPeakKib { get; private set; }

    public async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                Tick(print: true);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        Tick(print: false);
    }

    private void Tick(bool print)
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(_lastTick, now).TotalSeconds;
        _lastTick = now;

        long sent = 0, confirmed = 0, received = 0;
        foreach (var p in _producers)
        {
            sent += p.Sent;
            confirmed += p.Confirmed;
        }

        _interval.Reset();
        foreach (var s in _sinks)
        {
            received += s.Received;
            _scratch.Reset();
            s.Latency.GetIntervalHistogramInto(_scratch);
            _interval.Add(_scratch);
        }

        // Ticks come about a second apart: an interval counts when it ends past the warm-up by
        // more than half a tick, so a warm-up of N seconds leaves out exactly the first N lines.
        if (_warmup <= TimeSpan.Zero || Stopwatch.GetElapsedTime(_start, now) > _warmup + TimeSpan.FromSeconds(0.5))
        {
            Latency.Add(_interval);
        }

        long? rss = null;
        double? brokerCpu = null;
        if (_brokerPid is int pid)
        {
            rss = ProcessProbe.ResidentKib(pid);
            if (rss > (BrokerRssPeakKib ?? 0))
            {
                BrokerRssPeakKib = rss;
            }

            brokerCpu = ProcessProbe.CpuSeconds(pid);
        }

        double ownCpu = ProcessProbe.OwnCpuSeconds();
        if (print && _output is not null && seconds > 0)
        {
            var line = new System.Text.StringBuilder(160);
            var c = CultureInfo.InvariantCulture;
            line.Append(c, $"{Stopwatch.GetElapsedTime(_start, now).TotalSeconds,6:F1}s");
            line.Append(c, $"  sent {(sent - _lastSent) / seconds,9:F0}/s");
            line.Append(c, $"  confirmed {(confirmed - _lastConfirmed) / seconds,9:F0}/s");
            line.Append(c, $"  received {(received - _lastReceived) / seconds,9:F0}/s");
            if (_interval.TotalCount > 0)
            {
                line.Append(c, $"  p50 {_interval.GetValueAtPercentile(50)}us p99 {_interval.GetValueAtPercentile(99)}us");
            }

            line.Append(c, $"  cpu tool {(ownCpu - _lastOwnCpu) / seconds * 100:F0}%");
            if (brokerCpu is double b && _lastBrokerCpu is double lb)
            {
                line.Append(c, $" broker {(b - lb) / seconds * 100:F0}%");
            }

            if (rss is long r)
            {
                line.Append(c, $"  broker rss {r / 1024} MiB");
            }

            _output.WriteLine(line.ToString());
        }

        _lastSent = sent;
        _lastConfirmed = confirmed;
        _lastReceived = received;
        _lastOwnCpu = ownCpu;
        _lastBrokerCpu = brokerCpu ?? _lastBrokerCpu;
    }

    private static LongHistogram NewHistogram() => new(1, DeliverySink.HighestLatencyMicros, 3);
}
