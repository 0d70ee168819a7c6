using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Courier.PerfTest.Measurement;
using HdrHistogram;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.PerfTest.Delayed;

/// <summary>
/// Delayed delivery under load: schedules <see cref="DelayedOptions.Scheduled"/> persistent
/// messages far ahead on an <c>x-delayed-message</c> exchange (publishes confirmed), then for a
/// window publishes <see cref="DelayedOptions.Rate"/> messages a second with a fixed delay, so as
/// many fall due each second while the bulk stays scheduled, and measures how late each arrives
/// (receive time minus publish time minus delay, on this machine's clock) and the broker's
/// resident memory. Deleting the exchange at the end drops the bulk.
/// </summary>
public sealed class DelayedScenario(DelayedOptions options, TextWriter output)
{
    private const string Exchange = "perftest.delayed";
    private const string Queue = "perftest.delayed.q";
    private const int ConfirmBatch = 5000;

    private long _peakRssKib;

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory { HostName = options.Host, Port = options.Port, UserName = "guest", Password = "guest" };
        await using var connection = await factory.CreateConnectionAsync("perftest-delayed", cancellationToken);
        await using var setup = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await setup.ExchangeDeclareAsync(Exchange, "x-delayed-message", durable: true, autoDelete: false,
            new Dictionary<string, object?> { ["x-delayed-type"] = "direct" }, cancellationToken: cancellationToken);
        await setup.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: cancellationToken);
        await setup.QueueBindAsync(Queue, Exchange, "k", cancellationToken: cancellationToken);
        await setup.QueuePurgeAsync(Queue, cancellationToken);

        using var sampler = new Timer(_ => SampleRss(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        Report("rss_start_mib", Mib(Rss()));

        // 1. The bulk: scheduled 1 to 2 hours ahead, spread evenly, every publish confirmed.
        var clock = Stopwatch.StartNew();
        await PublishBulkAsync(connection, cancellationToken);
        var bulkSeconds = clock.Elapsed.TotalSeconds;
        Report("bulk_scheduled", options.Scheduled);
        Report("bulk_publish_seconds", bulkSeconds);
        Report("bulk_publish_rate", options.Scheduled / Math.Max(bulkSeconds, 1e-9));
        GC.Collect();
        Report("rss_after_bulk_mib", Mib(Rss()));
        Report("rss_peak_bulk_mib", Mib(Volatile.Read(ref _peakRssKib)));
        if (options.DataDir is { } dataDir)
        {
            Report("journal_after_bulk_mib", DirectoryMib(Path.Combine(dataDir, "journal")));
            Report("index_after_bulk_mib", DirectoryMib(Path.Combine(dataDir, "delayed")));
        }

        // 2. The window: paced publishes, each due DelayMillis later, consumed and timed.
        Volatile.Write(ref _peakRssKib, 0);
        var lateness = new LongHistogram(1, 3_600_000_000, 3);
        var gate = new Lock();
        long early = 0, received = 0;
        await using var consumerConnection = await factory.CreateConnectionAsync("perftest-delayed-consumer", cancellationToken);
        await using var consumerChannel = await consumerConnection.CreateChannelAsync(cancellationToken: cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var now = DateTime.UtcNow.Ticks;
            var body = delivery.Body.Span;
            var late = (now - BinaryPrimitives.ReadInt64LittleEndian(body) - (BinaryPrimitives.ReadInt64LittleEndian(body[8..]) * TimeSpan.TicksPerMillisecond)) / 10;
            lock (gate)
            {
                if (late < 0)
                {
                    early++;
                }
                else
                {
                    lateness.RecordValue(Math.Max(1, late));
                }

                received++;
            }

            return Task.CompletedTask;
        };
        await consumerChannel.BasicConsumeAsync(Queue, autoAck: true, consumer, cancellationToken);

        var expected = await PublishPacedAsync(connection, cancellationToken);
        var deadline = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < expected && deadline.Elapsed < TimeSpan.FromSeconds(options.DelayMillis / 1000.0 + options.TimeoutSeconds))
        {
            await Task.Delay(50, cancellationToken);
        }

        lock (gate)
        {
            Report("window_published", expected);
            Report("window_received", received);
            Report("window_early", early);
            if (lateness.TotalCount > 0)
            {
                Report("lateness_p50_ms", lateness.GetValueAtPercentile(50) / 1000.0);
                Report("lateness_p99_ms", lateness.GetValueAtPercentile(99) / 1000.0);
                Report("lateness_p999_ms", lateness.GetValueAtPercentile(99.9) / 1000.0);
                Report("lateness_max_ms", lateness.GetMaxValue() / 1000.0);
            }
        }

        Report("rss_peak_window_mib", Mib(Volatile.Read(ref _peakRssKib)));

        // 3. Deleting the exchange drops the bulk.
        if (options.Keep)
        {
            return received == expected && early == 0 ? 0 : 1;
        }

        clock.Restart();
        await setup.ExchangeDeleteAsync(Exchange, cancellationToken: cancellationToken);
        Report("delete_seconds", clock.Elapsed.TotalSeconds);
        await setup.QueueDeleteAsync(Queue, cancellationToken: cancellationToken);
        if (options.DataDir is { } directory)
        {
            // The journal releases the dropped messages' segments once the deletion's record is synced.
            var journal = Path.Combine(directory, "journal");
            while (DirectoryMib(journal) > 64 && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken);
            }

            Report("disk_freed_seconds", clock.Elapsed.TotalSeconds);
            Report("journal_after_delete_mib", DirectoryMib(journal));
            Report("index_after_delete_mib", DirectoryMib(Path.Combine(directory, "delayed")));
        }

        return received == expected && early == 0 ? 0 : 1;
    }

    private async Task PublishBulkAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var body = new byte[options.BodySize];
        var pending = new List<Task>(ConfirmBatch);
        const long Hour = 3_600_000;
        for (long i = 0; i < options.Scheduled; i++)
        {
            var delay = Hour + (i * Hour / Math.Max(1, options.Scheduled));
            var properties = new BasicProperties
            {
                DeliveryMode = DeliveryModes.Persistent,
                Headers = new Dictionary<string, object?> { ["x-delay"] = delay },
            };
            pending.Add(channel.BasicPublishAsync(Exchange, "k", mandatory: false, properties, body, cancellationToken).AsTask());
            if (pending.Count == ConfirmBatch)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }

            if (i % 1_000_000 == 999_999)
            {
                output.WriteLine($"# {i + 1} scheduled, rss {Mib(Rss()):F0} MiB");
            }
        }

        await Task.WhenAll(pending);
    }

    /// <summary>Publishes at the rate for the window, each stamped with its publish time and delay; returns how many.</summary>
    private async Task<long> PublishPacedAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var properties = new BasicProperties
        {
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { ["x-delay"] = options.DelayMillis },
        };
        var body = new byte[options.BodySize];
        var total = (long)options.Rate * options.WindowSeconds;
        var clock = Stopwatch.StartNew();
        long sent = 0;
        while (sent < total)
        {
            // Catch up to where the rate says we should be, 1 ms at a time.
            var due = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * options.Rate));
            while (sent < due)
            {
                BinaryPrimitives.WriteInt64LittleEndian(body, DateTime.UtcNow.Ticks);
                BinaryPrimitives.WriteInt64LittleEndian(body.AsSpan(8), options.DelayMillis);
                await channel.BasicPublishAsync(Exchange, "k", mandatory: false, properties, body, cancellationToken);
                sent++;
            }

            await Task.Delay(1, cancellationToken);
        }

        return sent;
    }

    private long Rss() => options.BrokerPid is { } pid ? ProcessProbe.ResidentKib(pid) ?? 0 : 0;

    private void SampleRss()
    {
        var rss = Rss();
        long peak;
        while (rss > (peak = Volatile.Read(ref _peakRssKib)) && Interlocked.CompareExchange(ref _peakRssKib, rss, peak) != peak)
        {
        }
    }

    private static double Mib(long kib) => kib / 1024.0;

    private static double DirectoryMib(string path) =>
        Directory.Exists(path) ? new DirectoryInfo(path).EnumerateFiles().Sum(f => f.Length) / (1024.0 * 1024.0) : 0;

    private void Report(string name, double value) => output.WriteLine($"{name} {value.ToString("0.###", CultureInfo.InvariantCulture)}");
}
