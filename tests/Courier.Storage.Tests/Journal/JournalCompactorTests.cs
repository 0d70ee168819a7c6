using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// Compaction lives in Storage and asks the core's holders (<see cref="IMessageHolders"/>) which
/// messages of a mostly-dead segment are live; here the holders are a fixed list.
/// </summary>
public sealed class JournalCompactorTests
{
    [Fact]
    public async Task A_held_message_is_copied_with_every_holder_and_its_delivered_mark_and_the_segment_goes()
    {
        var device = new MemoryJournalDevice();
        long keptId;
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long filled;
        using (var store = Open(device, CommitPolicy.Always, out _, segmentSize: 4096))
        {
            var (kept, dead) = FillFirstSegment(store);
            keptId = kept.MessageId;
            filled = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await Eventually.True(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > filled, "the clock moves past the appends");
            var holders = new FixedHolders([new Held(kept.Ref, [1, 2], DeliveredTo: [1])]);

            Assert.Equal(1, store.Compact(holders));

            var copy = holders.Messages[0].Ref;
            Assert.Equal(kept.MessageId, copy.Id);
            Assert.True(copy.Location().Segment > kept.Location.Segment);
            SampleMessages.AssertSameMessage(SampleMessages.Plain(0, bodySize: 100), store.Load(copy));

            // The old segment goes once the copy is durable (a later commit runs the release).
            await AwaitDurable(store, store.AppendMessage(SampleMessages.Plain(99, bodySize: 10), [3]).CommitSequence);
            await Eventually.True(() => !device.ListSegments().Contains(kept.Location.Segment), "the compacted segment is deleted");
            Assert.Equal(0, store.ReferencesIn(dead.Location.Segment));
        }

        using var reopened = Open(device, CommitPolicy.Always, out var recovery, segmentSize: 4096);
        Assert.Equal([(keptId, true)], recovery.Queues[1].Select(m => (m.MessageId, m.Delivered)));
        Assert.Equal([(keptId, false)], recovery.Queues[2].Select(m => (m.MessageId, m.Delivered)));

        // The copy keeps the time the store first took the message, not the time of the copy.
        Assert.InRange(recovery.Queues[1][0].ArrivedAt, before, filled);
        Assert.Equal(recovery.Queues[1][0].ArrivedAt, recovery.Queues[2][0].ArrivedAt);
        SampleMessages.AssertSameMessage(SampleMessages.Plain(0, bodySize: 100), reopened.Load(recovery.Queues[1][0].Ref));
    }

    [Fact]
    public void Nothing_moves_while_the_holders_do_not_account_for_every_reference_in_the_segment()
    {
        var device = new MemoryJournalDevice();
        using var store = Open(device, CommitPolicy.Always, out _, segmentSize: 4096);
        var (kept, _) = FillFirstSegment(store);

        // Queue 2's reference is missing: a publish between append and enqueue, or a read-ahead out.
        var holders = new FixedHolders([new Held(kept.Ref, [1], DeliveredTo: [])]);

        Assert.Equal(0, store.Compact(holders));
        Assert.Equal(kept.Ref, holders.Messages[0].Ref);
        Assert.Equal(2, store.ReferencesIn(kept.Location.Segment));
    }

    /// <summary>Segment 1: a small message held by queues 1 and 2, then two big ones settled; more segments behind it.</summary>
    private static (StoredMessage Kept, StoredMessage Dead) FillFirstSegment(JournalMessageStore store)
    {
        var kept = store.AppendMessage(SampleMessages.Plain(0, bodySize: 100), [1, 2]);
        var dead = new List<StoredMessage>();
        for (var n = 1; n < 9; n++)
        {
            dead.Add(store.AppendMessage(SampleMessages.Plain(n, bodySize: 1000), [1]));
        }

        foreach (var message in dead)
        {
            store.AppendSettle(1, message.Ref);
        }

        Assert.Equal(kept.Location.Segment, dead[0].Location.Segment);
        Assert.Contains(kept.Location.Segment, store.Journal.CompactionCandidates());
        return (kept, dead[0]);
    }

    private sealed record Held(MessageRef Ref, int[] Holders, int[] DeliveredTo);

    /// <summary>Holders that are a fixed list of messages, repointed in place as the core's queues are.</summary>
    private sealed class FixedHolders(List<Held> messages) : IMessageHolders
    {
        public List<Held> Messages { get; } = messages;

        public int Relocate(IMessageRelocation relocation)
        {
            var found = new List<HeldMessage>();
            foreach (var message in Messages)
            {
                if (relocation.Selects(message.Ref))
                {
                    var held = new HeldMessage(message.Ref);
                    held.Holders.AddRange(message.Holders);
                    held.DeliveredTo.AddRange(message.DeliveredTo.Select(queue => (queue, 1)));
                    found.Add(held);
                }
            }

            if (found.Count == 0 || relocation.Relocate(found) is not { } moved)
            {
                return 0;
            }

            for (var i = 0; i < Messages.Count; i++)
            {
                if (moved.TryGetValue(Messages[i].Ref.Id, out var copy))
                {
                    Messages[i] = Messages[i] with { Ref = copy };
                }
            }

            return moved.Count;
        }
    }
}
