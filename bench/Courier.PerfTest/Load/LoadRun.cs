using System.Diagnostics;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Options;

namespace Courier.PerfTest.Load;

/// <summary>
/// One scenario from start to summary: idle connections, topology, consumers, producers for the
/// duration or message count, a drain until every promised arrival came (or deliveries stop),
/// verification, and clean-up. Every wait is bounded by <see cref="PerfTestOptions.MaxRunSeconds"/>.
/// </summary>
public sealed class LoadRun
{
    private static readonly TimeSpan ConfirmSettleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);
    private const int IdleOpenParallelism = 8;

    private readonly PerfTestOptions _options;
    private readonly ILoadTransport _transport;
    private readonly TextWriter _output;
    private readonly List<string> _errors = [];

    public LoadRun(PerfTestOptions options, ILoadTransport transport, TextWriter output)
    {
        _options = options;
        _transport = transport;
        _output = output;
    }

    public async Task<RunSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(TimeSpan.FromSeconds(_options.MaxRunSeconds));
        var ct = hardStop.Token;

        long runStart = Stopwatch.GetTimestamp();
        double ownCpuStart = ProcessProbe.OwnCpuSeconds();
        double? brokerCpuStart = _options.BrokerPid is int pid ? ProcessProbe.CpuSeconds(pid) : null;

        var ledger = new DeliveryLedger();
        var idle = new List<IAsyncDisposable>();
        var producers = new List<ILoadProducer>();
        var counters = new List<ProducerCounters>();
        var consumers = new List<ILoadConsumer>();
        var sinks = new List<DeliverySink>();
        IdleMeasurement idleMeasurement = default;
        ProgressReporter? reporter = null;
        long loadStart = 0, publishEnd = 0;
        bool topologyDeclared = false;

        try
        {
            if (_options.IdleConnections > 0)
            {
                idleMeasurement = await OpenIdleConnectionsAsync(idle, ct).ConfigureAwait(false);
            }

            if (_options.Producers + _options.Consumers > 0)
            {
                await _transport.DeclareTopologyAsync(ct).ConfigureAwait(false);
                topologyDeclared = true;
            }

            if (_options.Mode != RunMode.PublishOnly)
            {
                for (int c = 0; c < _options.Consumers; c++)
                {
                    var sink = new DeliverySink(ledger, _transport.CopiesOf);
                    sinks.Add(sink);
                    consumers.Add(await _transport.CreateConsumerAsync(c, sink, ct).ConfigureAwait(false));
                }
            }

            if (_options.Mode != RunMode.ConsumeOnly)
            {
                for (int p = 0; p < _options.Producers; p++)
                {
                    var producerCounters = new ProducerCounters();
                    counters.Add(producerCounters);
                    producers.Add(await _transport.CreateProducerAsync(p, producerCounters, new RatePacer(_options.ProducerRate), ct)
                        .ConfigureAwait(false));
                }
            }

            foreach (var consumer in consumers)
            {
                await consumer.StartAsync(ct).ConfigureAwait(false);
            }

            reporter = new ProgressReporter(counters, sinks, _options.BrokerPid, _options.Quiet ? null : _output,
                TimeSpan.FromSeconds(_options.WarmupSeconds));
            using var reporterStop = new CancellationTokenSource();
            var reporting = reporter.RunAsync(reporterStop.Token);

            loadStart = Stopwatch.GetTimestamp();
            publishEnd = await PublishAsync(producers, ct).ConfigureAwait(false);
            if (consumers.Count > 0)
            {
                await DrainAsync(counters, sinks, ct).ConfigureAwait(false);
            }
            else if (producers.Count == 0 && _options.DurationSeconds > 0)
            {
                // Nothing to produce or consume: hold the idle connections open for the duration.
                await DelayQuietlyAsync(TimeSpan.FromSeconds(_options.DurationSeconds), ct).ConfigureAwait(false);
            }

            await reporterStop.CancelAsync().ConfigureAwait(false);
            await reporting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _errors.Add(ct.IsCancellationRequested && !cancellationToken.IsCancellationRequested
                ? $"run exceeded --max-run {_options.MaxRunSeconds}s ({e.GetType().Name})"
                : $"{e.GetType().Name}: {e.Message}");
        }

        long loadEnd = Stopwatch.GetTimestamp();
        long? brokerRss = _options.BrokerPid is int brokerPid ? ProcessProbe.ResidentKib(brokerPid) : null;
        double? brokerCpuEnd = _options.BrokerPid is int cpuPid ? ProcessProbe.CpuSeconds(cpuPid) : null;
        var (lost, duplicated) = Verify(ledger, counters, sinks);

        await CleanUpAsync(consumers, producers, idle, topologyDeclared).ConfigureAwait(false);

        long lastDelivery = 0, received = 0, foreign = 0;
        foreach (var sink in sinks)
        {
            lastDelivery = Math.Max(lastDelivery, sink.LastDelivery);
            received += sink.Received;
            foreign += sink.Foreign;
        }

        return new RunSummary
        {
            Options = _options,
            Target = _transport.Target,
            Sent = Sum(counters, static c => c.Sent),
            Confirmed = Sum(counters, static c => c.Confirmed),
            Nacked = Sum(counters, static c => c.Nacked),
            Received = received,
            SendSeconds = loadStart == 0 || publishEnd <= loadStart ? 0 : Stopwatch.GetElapsedTime(loadStart, publishEnd).TotalSeconds,
            ReceiveSeconds = loadStart == 0 || lastDelivery <= loadStart ? 0 : Stopwatch.GetElapsedTime(loadStart, lastDelivery).TotalSeconds,
            Latency = reporter?.Latency,
            Lost = lost,
            Duplicated = duplicated,
            Foreign = foreign,
            BrokerRssKib = brokerRss,
            BrokerRssPeakKib = Max(reporter?.BrokerRssPeakKib, Max(brokerRss, idleMeasurement.RssAfterKib)),
            BrokerCpuSeconds = brokerCpuEnd - brokerCpuStart,
            IdleConnectionsOpened = idleMeasurement.Opened,
            IdleOpenSeconds = idleMeasurement.OpenSeconds,
            IdleRssBeforeKib = idleMeasurement.RssBeforeKib,
            IdleRssAfterKib = idleMeasurement.RssAfterKib,
            ToolCpuSeconds = ProcessProbe.OwnCpuSeconds() - ownCpuStart,
            WallSeconds = Stopwatch.GetElapsedTime(runStart, loadEnd).TotalSeconds,
            Errors = _errors,
        };
    }

    /// <summary>Runs every producer until its bound; returns when the last one stopped publishing.</summary>
    private async Task<long> PublishAsync(List<ILoadProducer> producers, CancellationToken ct)
    {
        long end = Stopwatch.GetTimestamp();
        if (producers.Count == 0)
        {
            return end;
        }

        using var publishStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (_options.DurationSeconds > 0)
        {
            publishStop.CancelAfter(TimeSpan.FromSeconds(_options.DurationSeconds));
        }

        var runs = new Task<long>[producers.Count];
        for (int p = 0; p < runs.Length; p++)
        {
            var producer = producers[p];
            var token = publishStop.Token;
            runs[p] = Task.Factory.StartNew(
                () => producer.Run(_options.ProducerMessageCount, ConfirmSettleTimeout, token),
                CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        foreach (var run in runs)
        {
            try
            {
                end = Math.Max(end, await run.ConfigureAwait(false));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                end = Math.Max(end, Stopwatch.GetTimestamp());
                _errors.Add($"{e.GetType().Name}: {e.Message}");
            }
        }

        return end;
    }

    /// <summary>
    /// Waits until every promised arrival came, or no delivery arrived for
    /// <see cref="PerfTestOptions.DrainIdleSeconds"/>.
    /// </summary>
    private async Task DrainAsync(List<ProducerCounters> counters, List<DeliverySink> sinks, CancellationToken ct)
    {
        // Without producers in this process (consume-only, or producers in another process) the
        // promise is --expect, or unknown: then only the idle limit ends the drain.
        long promised = long.MaxValue;
        if (counters.Count == 0)
        {
            if (_options.ExpectedMessages > 0)
            {
                promised = _options.ExpectedMessages * _transport.CopiesOf(0);
            }
        }
        else
        {
            promised = 0;
            for (int p = 0; p < counters.Count; p++)
            {
                promised += counters[p].Sent * _transport.CopiesOf(p);
            }
        }

        var idleLimit = TimeSpan.FromSeconds(_options.DrainIdleSeconds);
        long lastProgress = Stopwatch.GetTimestamp();
        long lastReceived = -1;
        while (!ct.IsCancellationRequested)
        {
            long received = 0, satisfied = 0;
            foreach (var sink in sinks)
            {
                long r = sink.Received;
                received += r;
                satisfied += r - sink.Duplicates;
            }

            if (satisfied >= promised)
            {
                return;
            }

            if (received != lastReceived)
            {
                lastReceived = received;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > idleLimit)
            {
                return;
            }

            await DelayQuietlyAsync(TimeSpan.FromMilliseconds(20), ct).ConfigureAwait(false);
        }
    }

    private (long? Lost, long? Duplicated) Verify(DeliveryLedger ledger, List<ProducerCounters> counters, List<DeliverySink> sinks)
    {
        if (sinks.Count == 0)
        {
            return (null, null);
        }

        if (counters.Count == 0)
        {
            var verdict = ledger.Verify(null, _transport.CopiesOf);
            long lost = verdict.Lost;
            if (_options.ExpectedMessages > 0)
            {
                lost = Math.Max(lost, _options.ExpectedMessages * _transport.CopiesOf(0) - verdict.Satisfied);
            }

            return (lost, verdict.Duplicated);
        }

        var sent = new long[counters.Count];
        for (int p = 0; p < sent.Length; p++)
        {
            sent[p] = counters[p].Sent;
        }

        var result = ledger.Verify(sent, _transport.CopiesOf);
        return (result.Lost, result.Duplicated);
    }

    private async Task<IdleMeasurement> OpenIdleConnectionsAsync(List<IAsyncDisposable> idle, CancellationToken ct)
    {
        long? before = _options.BrokerPid is int pid ? ProcessProbe.ResidentKib(pid) : null;
        var opened = new IAsyncDisposable?[_options.IdleConnections];
        long start = Stopwatch.GetTimestamp();
        try
        {
            await Parallel.ForAsync(0, opened.Length, new ParallelOptions { MaxDegreeOfParallelism = IdleOpenParallelism, CancellationToken = ct },
                async (i, token) => opened[i] = await _transport.OpenIdleConnectionAsync(i, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _errors.Add($"idle connections: {e.GetType().Name}: {e.Message}");
        }

        double openSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (var connection in opened)
        {
            if (connection is not null)
            {
                idle.Add(connection);
            }
        }

        if (!_options.Quiet)
        {
            _output.WriteLine($"opened {idle.Count} idle connections in {openSeconds:F1}s");
        }

        await DelayQuietlyAsync(IdleSettle, ct).ConfigureAwait(false);
        long? after = _options.BrokerPid is int p ? ProcessProbe.ResidentKib(p) : null;
        return new IdleMeasurement(idle.Count, openSeconds, before, after);
    }

    private async Task CleanUpAsync(List<ILoadConsumer> consumers, List<ILoadProducer> producers, List<IAsyncDisposable> idle, bool topologyDeclared)
    {
        using var timeout = new CancellationTokenSource(CleanupTimeout);
        foreach (var consumer in consumers)
        {
            await QuietlyAsync(() => consumer.StopAsync(timeout.Token)).ConfigureAwait(false);
            await QuietlyAsync(() => consumer.DisposeAsync().AsTask()).ConfigureAwait(false);
        }

        foreach (var producer in producers)
        {
            await QuietlyAsync(() => producer.DisposeAsync().AsTask()).ConfigureAwait(false);
        }

        if (topologyDeclared && _options.Mode != RunMode.PublishOnly && !_options.KeepTopology)
        {
            await QuietlyAsync(() => _transport.DeleteTopologyAsync(timeout.Token)).ConfigureAwait(false);
        }

        await Parallel.ForEachAsync(idle, new ParallelOptions { MaxDegreeOfParallelism = IdleOpenParallelism },
            async (connection, _) => await QuietlyAsync(() => connection.DisposeAsync().AsTask()).ConfigureAwait(false)).ConfigureAwait(false);
    }

    private async Task QuietlyAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (_errors)
            {
                _errors.Add($"clean-up: {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private static async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static long Sum(List<ProducerCounters> counters, Func<ProducerCounters, long> value)
    {
        long total = 0;
        foreach (var c in counters)
        {
            total += value(c);
        }

        return total;
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private readonly record struct IdleMeasurement(int Opened, double OpenSeconds, long? RssBeforeKib, long? RssAfterKib);
}
