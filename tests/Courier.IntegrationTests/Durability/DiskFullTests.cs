using System.Buffers.Binary;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Issue 13, findings 1 and 2, on a real 64 MiB filesystem (a tmpfs made in the test) with the
/// defaults the issue used (50 MB disk-free limit, 64 MiB segments) and 64 KiB messages from
/// RabbitMQ.Client: publishers are blocked before free space goes below the limit, a purge frees the segment being written and unblocks them;
/// with no limit the disk fills, the journal stalls instead of failing, a SIGKILL there restarts
/// with every confirmed message and nothing nacked, and a purge confirmed before a crash stays done.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const long DiskSize = 64L * 1024 * 1024;
    private const long DefaultLimit = 50L * 1000 * 1000;
    private const int Body = 64 * 1024;
    private const string Queue = "fill";

    [Fact]
    public async Task Publishers_are_blocked_before_free_space_goes_below_the_limit_and_a_purge_unblocks_them()
    {
        // 1. A node on a 64 MiB disk with the default 50 MB limit.
        await using var disk = await SmallDisk.MountAsync(DiskSize);
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--data-dir", Path.Combine(disk.Path, "data"));
        await using var admin = await broker.ConnectAsync();
        await using var adminChannel = await admin.CreateChannelAsync();
        await adminChannel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);

        // 2. 64 KiB persistent messages until the node blocks the publisher.
        await using var publisher = await Publisher.StartAsync(broker);
        using var report = new TestReport(() => output.WriteLine(
            $"{publisher.Confirmed} of {publisher.Published} confirmed, {publisher.Nacked.Count} nacked, blocked: {publisher.IsBlocked}, {disk.FreeBytes} bytes free"));
        await publisher.PublishUntilBlockedAsync(maxMessages: 2000);
        output.WriteLine($"blocked after {publisher.Published} publishes, {disk.FreeBytes} bytes free");

        // 3. Free space is not below the limit, and nothing was nacked.
        await Wait.UntilAsync(() => publisher.Confirmed + 16 >= publisher.Published, "the publishes read before the block are confirmed", TimeSpan.FromSeconds(30));
        Assert.True(disk.FreeBytes >= DefaultLimit, $"{disk.FreeBytes} bytes free with a limit of {DefaultLimit}");
        Assert.True(disk.FreeBytes < DefaultLimit + (4 * Body), $"blocked early: {disk.FreeBytes} bytes free");
        Assert.Empty(publisher.Nacked);

        // 4. A purge (from a connection that does not publish, so is not blocked) frees the space,
        //    the segment being written included, and the publisher is unblocked.
        var purged = await Wait.ForAsync(adminChannel.QueuePurgeAsync(Queue), "purge-ok", TimeSpan.FromSeconds(30));
        Assert.True(purged > 0);
        await Wait.UntilAsync(() => !publisher.IsBlocked, "connection.unblocked after the purge", TimeSpan.FromSeconds(30));
        Assert.True(disk.FreeBytes >= DefaultLimit, $"the purge freed nothing: {disk.FreeBytes} bytes free");

        // 5. Everything it had sent is confirmed now, and it publishes again.
        await publisher.PublishAsync(count: 1);
        await Wait.UntilAsync(() => publisher.Confirmed == publisher.Published, "every publish confirmed", TimeSpan.FromSeconds(30));

        Assert.Empty(publisher.Nacked);
        broker.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task A_full_disk_stalls_the_journal_and_a_SIGKILL_there_loses_nothing_confirmed_and_keeps_a_confirmed_purge()
    {
        // 1. No free-space limit: the publisher fills the 64 MiB disk until the journal cannot write.
        await using var disk = await SmallDisk.MountAsync(DiskSize);
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--data-dir", Path.Combine(disk.Path, "data"), "--disk-free-limit", "0");
        await using (var admin = await broker.ConnectAsync())
        await using (var adminChannel = await admin.CreateChannelAsync())
        {
            await adminChannel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
        }

        HashSet<long> confirmed;
        HashSet<long> nacked;
        await using (var publisher = await Publisher.StartAsync(broker))
        {
            await publisher.PublishUntilBlockedAsync(maxMessages: 2000);
            await Wait.UntilAsync(() => broker.RunLinesContaining("could not write or sync").Count > 0, "the journal stalls on the full disk", TimeSpan.FromSeconds(30));
            confirmed = publisher.ConfirmedIds;
            nacked = publisher.Nacked;
            output.WriteLine($"{publisher.Published} published, {confirmed.Count} confirmed, {nacked.Count} nacked, {disk.FreeBytes} bytes free");
            Assert.NotEmpty(confirmed);

            // 2. SIGKILL on the full disk.
            await broker.KillAsync();
        }

        // 3. It starts again on the full disk, with every confirmed message and none nacked.
        await broker.RestartAsync();
        var held = await ReadQueueAsync(broker);
        Assert.Empty(confirmed.Except(held));
        Assert.Empty(nacked.Intersect(held));

        // 4. A purge is confirmed (purge-ok) once it is durable; a SIGKILL after it keeps it done.
        await using (var admin = await broker.ConnectAsync())
        await using (var adminChannel = await admin.CreateChannelAsync())
        {
            var purged = await Wait.ForAsync(adminChannel.QueuePurgeAsync(Queue), "purge-ok on the full disk", TimeSpan.FromSeconds(30));
            Assert.Equal((uint)held.Count, purged);
        }

        await broker.KillAsync();
        await broker.RestartAsync();
        Assert.Empty(await ReadQueueAsync(broker));

        // 5. The disk has room again: publishing works.
        await using (var publisher = await Publisher.StartAsync(broker))
        {
            await publisher.PublishAsync(count: 1);
            await Wait.UntilAsync(() => publisher.Confirmed == 1, "a publish confirmed after the purge", TimeSpan.FromSeconds(30));
        }

        Assert.DoesNotContain(broker.Lines, line => line.Contains("Unhandled exception", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_a_disk_with_no_free_space_a_node_starts_blocked_and_resumes_when_space_returns_and_a_new_one_refuses_in_one_line()
    {
        // 1. A node with a durable queue and a confirmed message, stopped; then a file fills the disk.
        await using var disk = await SmallDisk.MountAsync(16L * 1024 * 1024);
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--data-dir", Path.Combine(disk.Path, "data"), "--disk-free-limit", "0");
        await using (var publisher = await Publisher.StartAsync(broker))
        {
            await using (var admin = await broker.ConnectAsync())
            await using (var adminChannel = await admin.CreateChannelAsync())
            {
                await adminChannel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            }

            await publisher.PublishAsync(count: 1);
            await Wait.UntilAsync(() => publisher.Confirmed == 1, "the first publish confirmed");
        }

        Assert.True(await broker.StopGracefullyAsync());
        var filler = Path.Combine(disk.Path, "filler");
        disk.Fill(filler);
        Assert.Equal(0, disk.FreeBytes);

        // 2. A node that has to write something new (a fresh data directory) refuses in one line.
        var (code, error) = await BrokerProcess.RunUntilExitAsync("--amqp-port", "0", "--mqtt-port", "0", "--mqtt-ws-port", "0", "--data-dir", Path.Combine(disk.Path, "fresh"));
        Assert.Equal(75, code);
        Assert.Single(error.Split('\n'));
        Assert.Contains("disk is full", error, StringComparison.Ordinal);

        // 3. The existing node starts, with its message; a publish waits (not confirmed, not
        //    nacked) and its publisher is blocked while the journal cannot write.
        await broker.RestartAsync();
        Assert.Equal([1L], await ReadQueueAsync(broker));
        await using (var publisher = await Publisher.StartAsync(broker))
        {
            await publisher.PublishAsync(count: 1);
            await Wait.UntilAsync(() => publisher.IsBlocked, "the publisher is blocked on the full disk", TimeSpan.FromSeconds(30));
            Assert.Equal(0, publisher.Confirmed);
            Assert.Empty(publisher.Nacked);

            // 4. Space returns: the publish is confirmed and the publisher unblocked.
            File.Delete(filler);
            await Wait.UntilAsync(() => publisher.Confirmed == 1 && !publisher.IsBlocked, "the confirm and connection.unblocked once space returns", TimeSpan.FromSeconds(30));
        }

        await using var check = await broker.ConnectAsync();
        await using var checkChannel = await check.CreateChannelAsync();
        Assert.Equal(2u, (await checkChannel.QueueDeclarePassiveAsync(Queue)).MessageCount);
    }

    /// <summary>The ids of the messages in the queue (consumed without acks, so they stay).</summary>
    private static async Task<HashSet<long>> ReadQueueAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var count = (await channel.QueueDeclarePassiveAsync(Queue)).MessageCount;
        var ids = new HashSet<long>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            lock (ids)
            {
                ids.Add(BinaryPrimitives.ReadInt64LittleEndian(e.Body.Span));
            }

            return Task.CompletedTask;
        };
        await channel.BasicQosAsync(0, 0, false);
        await channel.BasicConsumeAsync(Queue, autoAck: false, consumer);
        await Wait.UntilAsync(() => { lock (ids) { return ids.Count == count; } }, $"{count} messages delivered", TimeSpan.FromSeconds(60));
        return ids;
    }

    /// <summary>Says where things stood when the test ends, passed or failed.</summary>
    private sealed class TestReport(Action report) : IDisposable
    {
        public void Dispose() => report();
    }

    /// <summary>A confirming publisher of numbered 64 KiB persistent messages with a window of unconfirmed ones.</summary>
    private sealed class Publisher : IAsyncDisposable
    {
        private const int Window = 8;
        private readonly IConnection _connection;
        private readonly IChannel _channel;
        private readonly Lock _gate = new();
        private readonly HashSet<long> _confirmed = [];
        private readonly HashSet<long> _nacked = [];
        private volatile bool _blocked;
        private long _published;

        private Publisher(IConnection connection, IChannel channel)
        {
            _connection = connection;
            _channel = channel;
        }

        public bool IsBlocked => _blocked;

        public long Published => Interlocked.Read(ref _published);

        public int Confirmed
        {
            get
            {
                lock (_gate)
                {
                    return _confirmed.Count;
                }
            }
        }

        public HashSet<long> ConfirmedIds
        {
            get
            {
                lock (_gate)
                {
                    return [.. _confirmed];
                }
            }
        }

        public HashSet<long> Nacked
        {
            get
            {
                lock (_gate)
                {
                    return [.. _nacked];
                }
            }
        }

        public static async Task<Publisher> StartAsync(BrokerProcess broker)
        {
            var connection = await broker.ConnectAsync();
            var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
            var publisher = new Publisher(connection, channel);
            connection.ConnectionBlockedAsync += (_, _) =>
            {
                publisher._blocked = true;
                return Task.CompletedTask;
            };
            connection.ConnectionUnblockedAsync += (_, _) =>
            {
                publisher._blocked = false;
                return Task.CompletedTask;
            };
            channel.BasicAcksAsync += (_, e) =>
            {
                publisher.Settle(e.DeliveryTag, e.Multiple, publisher._confirmed);
                return Task.CompletedTask;
            };
            channel.BasicNacksAsync += (_, e) =>
            {
                publisher.Settle(e.DeliveryTag, e.Multiple, publisher._nacked);
                return Task.CompletedTask;
            };
            return publisher;
        }

        /// <summary>Publishes until connection.blocked arrives (or <paramref name="maxMessages"/>, which fails the test).</summary>
        public async Task PublishUntilBlockedAsync(int maxMessages)
        {
            for (var n = 0; n < maxMessages && !_blocked; n++)
            {
                await Wait.UntilAsync(() => _blocked || Unsettled < Window, "a confirm within the window", TimeSpan.FromSeconds(30));
                if (!_blocked)
                {
                    await PublishAsync(1);
                }
            }

            Assert.True(_blocked, $"the publisher was not blocked after {Published} messages of {Body} bytes");
        }

        public async Task PublishAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                // Delivery tags on a confirming channel count from 1: the message id is its tag.
                var id = Interlocked.Increment(ref _published);
                var body = new byte[Body];
                BinaryPrimitives.WriteInt64LittleEndian(body, id);
                await _channel.BasicPublishAsync(string.Empty, Queue, false, new BasicProperties { Persistent = true }, body);
            }
        }

        private long Unsettled
        {
            get
            {
                lock (_gate)
                {
                    return Published - _confirmed.Count - _nacked.Count;
                }
            }
        }

        private void Settle(ulong tag, bool multiple, HashSet<long> into)
        {
            lock (_gate)
            {
                var first = multiple ? 1 : (long)tag;
                for (var id = first; id <= (long)tag; id++)
                {
                    if (!_confirmed.Contains(id) && !_nacked.Contains(id))
                    {
                        into.Add(id);
                    }
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            _connection.Dispose();
            await ValueTask.CompletedTask;
        }
    }
}
