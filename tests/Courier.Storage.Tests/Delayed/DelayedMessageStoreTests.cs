using Courier.Core.Messages;
using Courier.Storage.Devices;
using Courier.Storage.Tests.Support;
using static Courier.Storage.Tests.Delayed.DelayedStoreModelPropertyTests;

namespace Courier.Storage.Tests.Delayed;

/// <summary>What the delayed store does with the journal's disk space and its sequence numbers.</summary>
public sealed class DelayedMessageStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-delayed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Message Persistent(int n) =>
        new("delayed", $"k{n}", new MessageProperties { Persistence = DeliveryPersistence.Persistent }, SampleMessages.Body(n, 300));

    [Fact]
    public async Task Forgetting_an_exchange_releases_the_segments_its_messages_filled_and_their_index_entries()
    {
        var device = new MemoryJournalDevice();
        using var node = Node.Open(device, _directory);
        var kept = node.Store.Declare("/", "kept");
        var forgotten = node.Store.Declare("/", "forgotten");
        node.Store.Schedule(kept, Persistent(0), dueAt: 10_000);
        for (var i = 1; i <= 40; i++)
        {
            node.Store.Schedule(forgotten, Persistent(i), dueAt: 10_000 + i);
        }

        node.Sync();
        var filled = node.Journal.Journal.SegmentCount;
        Assert.True(filled > 10, $"40 messages of 300 bytes fill more than 10 segments of 1 KiB, not {filled}");

        node.Store.Forget(forgotten);
        node.Sync();
        Assert.Equal(1, node.Store.Scheduled);

        await Eventually.True(() => node.Journal.Journal.SegmentCount <= 3, "the forgotten messages' segments are deleted");
        Assert.True(node.Store.TryTakeDue(20_000, out var due));
        Assert.Equal("k0", due.Message.RoutingKey);
        Assert.False(node.Store.TryTakeDue(20_000, out _));
    }

    [Fact]
    public void A_persistent_schedule_returns_a_journal_sequence_number_and_a_transient_one_returns_none()
    {
        var device = new MemoryJournalDevice();
        using var node = Node.Open(device, _directory);
        var key = node.Store.Declare("/", "x");

        var persistent = node.Store.Schedule(key, Persistent(1), dueAt: 5);
        var transient = node.Store.Schedule(key, new Message("delayed", "t", new MessageProperties(), SampleMessages.Body(2, 10)), dueAt: 5);

        Assert.Equal(node.Journal.Journal.LastSequence - 1, persistent);
        Assert.Equal(0, transient);
    }
}
