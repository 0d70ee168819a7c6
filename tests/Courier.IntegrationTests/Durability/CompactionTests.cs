using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Durability;

/// <summary>A long-lived message does not pin a segment full of dead records: compaction copies it forward.</summary>
public sealed class CompactionTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-compaction-").FullName;

    [Fact]
    public async Task A_mostly_dead_segment_is_compacted_and_its_live_messages_survive_a_restart()
    {
        var journal = Path.Combine(_dataDir, "journal");
        string[] args = ["--data-dir", _dataDir];

        // 1. Segments of 1 MiB: a few long-lived messages in the first, then ~4 MiB of churn.
        await using (var broker = await TestBroker.StartAsync(o => o.Storage.SegmentSizeMiB = 1, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await channel.QueueDeclareAsync("keep", durable: true, exclusive: false, autoDelete: false);
            await channel.QueueDeclareAsync("churn", durable: true, exclusive: false, autoDelete: false);
            var persistent = new BasicProperties { Persistent = true, MessageId = "kept" };
            for (var i = 0; i < 3; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "keep", false, persistent, Body($"keep-{i}", 1000));
            }

            for (var i = 0; i < 1000; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "churn", false, new BasicProperties { Persistent = true }, Body($"churn-{i}", 4000));
            }

            // 2. The churn is consumed: the first segment is now almost all dead records.
            for (var i = 0; i < 1000; i++)
            {
                Assert.NotNull(await channel.BasicGetAsync("churn", autoAck: true));
            }

            var before = Segments(journal);
            Assert.Contains(1, before);

            // 3. Compaction copies the three live messages forward; the segment goes once the copies
            //    are synced. (The background compactor may get there first; either counts.)
            var moved = broker.Host.Broker.CompactJournal();
            Assert.True(moved is 0 or 3, $"moved {moved}");
            await channel.BasicPublishAsync(string.Empty, "churn", false, new BasicProperties { Persistent = true }, Body("nudge", 10));
            var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
            while (Segments(journal).Contains(1))
            {
                Assert.True(DateTime.UtcNow < deadline, "segment 1 was not compacted away");
                moved += broker.Host.Broker.CompactJournal();
                await Task.Delay(20);
            }
        }

        // 4. After a restart the live messages are all there, in order and intact; nothing consumed came back.
        await using (var broker = await TestBroker.StartAsync(o => o.Storage.SegmentSizeMiB = 1, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            for (var i = 0; i < 3; i++)
            {
                var result = await channel.BasicGetAsync("keep", autoAck: true);
                Assert.NotNull(result);
                Assert.Equal(Body($"keep-{i}", 1000), result.Body.ToArray());
                Assert.Equal("kept", result.BasicProperties.MessageId);
            }

            Assert.Null(await channel.BasicGetAsync("keep", autoAck: true));
            var nudge = await channel.BasicGetAsync("churn", autoAck: true);
            Assert.NotNull(nudge);
            Assert.Null(await channel.BasicGetAsync("churn", autoAck: true));
        }
    }

    private static byte[] Body(string label, int size)
    {
        var body = new byte[size];
        System.Text.Encoding.UTF8.GetBytes(label, body);
        body[^1] = (byte)label.Length;
        return body;
    }

    private static List<int> Segments(string journal) =>
        [.. Directory.EnumerateFiles(journal, "*.seg").Select(f => int.Parse(Path.GetFileNameWithoutExtension(f), System.Globalization.CultureInfo.InvariantCulture))];

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
