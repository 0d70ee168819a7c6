using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// Power loss while the tail of the journal was written but not synced: the disk keeps some prefix
/// of the unsynced bytes, possibly cutting a record anywhere (in its length, its CRC, its payload).
/// Recovery must keep every synced record and every whole record of the torn prefix, drop the cut
/// record, truncate the segment there, and carry on appending as if nothing happened.
/// </summary>
public sealed class TornTailRecoveryTests
{
    private const int Synced = 5;
    private const int Unsynced = 5;

    [Theory]
    [InlineData(0, 0)] // none of the unsynced bytes reached the disk
    [InlineData(0, 3)] // cut inside the first record's length field
    [InlineData(0, 6)] // cut inside its CRC
    [InlineData(0, SegmentLog.HeaderSize)] // a whole header and no payload
    [InlineData(0, 40)] // cut inside the payload
    [InlineData(1, 0)] // exactly one whole record
    [InlineData(2, 5)] // two whole records and part of the third's header
    [InlineData(3, 150)] // three whole records and most of the fourth's payload
    [InlineData(Unsynced, 0)] // everything written made it
    public async Task Recovery_keeps_synced_and_whole_torn_records_and_truncates_the_cut_one(int wholeTornRecords, int extraBytes)
    {
        var device = new MemoryJournalDevice();
        var messages = new Dictionary<long, Message>();

        // 1. Append and sync five messages.
        using (var store = Open(device, CommitPolicy.Always, out _))
        {
            for (var n = 0; n < Synced; n++)
            {
                var message = SampleMessages.WithEverything(n, bodySize: 200);
                var stored = store.AppendMessage(message, [1]);
                messages.Add(stored.MessageId, message);
                await AwaitDurable(store, stored.CommitSequence);
            }
        }

        var syncedLength = device.Open(1).Length;
        var syncs = device.FlushCount;

        // 2. Append five more that reach the device but are never synced (policy Never: written, not fsynced).
        var unsynced = new List<StoredMessage>();
        using (var store = Open(device, CommitPolicy.Never, out _))
        {
            for (var n = Synced; n < Synced + Unsynced; n++)
            {
                var message = SampleMessages.WithEverything(n, bodySize: 200);
                var stored = store.AppendMessage(message, [1]);
                messages.Add(stored.MessageId, message);
                unsynced.Add(stored);
                await AwaitDurable(store, stored.CommitSequence);
            }
        }

        Assert.Equal(syncs, device.FlushCount);
        Assert.All(unsynced, s => Assert.True(extraBytes < s.Location.Length));

        // 3. Power loss: the disk keeps the synced bytes plus a prefix of the unsynced ones.
        var wholeBytes = unsynced.Take(wholeTornRecords).Sum(s => s.Location.Length);
        device.Crash(tornBytes: wholeBytes + extraBytes);

        // 4. Recover.
        long[] expected = [.. messages.Keys.Order().Take(Synced + wholeTornRecords)];
        using (var store = Open(device, CommitPolicy.Always, out var recovery))
        {
            // 5. The synced and the whole torn records are back, the cut one is not, and the segment ends where it ended.
            Assert.Equal(expected, recovery.Queues[1].Select(m => m.MessageId));
            Assert.Equal(extraBytes, recovery.Stats.TruncatedBytes);
            Assert.Equal(syncedLength + wholeBytes, device.Open(1).Length);
            foreach (var m in recovery.Queues[1])
            {
                SampleMessages.AssertSameMessage(messages[m.MessageId], store.Load(m.Ref));
            }

            // 6. Appending after recovery works: the new records follow the truncation point.
            for (var n = 100; n < 102; n++)
            {
                var message = SampleMessages.WithEverything(n, bodySize: 200);
                var stored = store.AppendMessage(message, [1]);
                if (n == 100)
                {
                    Assert.Equal(syncedLength + wholeBytes, stored.Location.Offset);
                }

                messages[stored.MessageId] = message;
                expected = [.. expected, stored.MessageId];
                await AwaitDurable(store, stored.CommitSequence);
            }
        }

        // 7. And they survive another power loss.
        device.Crash();
        using (var store = Open(device, CommitPolicy.Always, out var recovery))
        {
            Assert.Equal(expected, recovery.Queues[1].Select(m => m.MessageId));
            Assert.Equal(0, recovery.Stats.TruncatedBytes);
            foreach (var m in recovery.Queues[1])
            {
                SampleMessages.AssertSameMessage(messages[m.MessageId], store.Load(m.Ref));
            }
        }
    }

    internal static JournalMessageStore Open(MemoryJournalDevice device, CommitPolicy policy, out StoreRecovery recovery, int segmentSize = 64 * 1024 * 1024)
    {
        var store = new JournalMessageStore(device, new JournalOptions { Policy = policy, SegmentSize = segmentSize }, NullLogger.Instance);
        recovery = store.Recover();
        return store;
    }

    internal static async Task AwaitDurable(JournalMessageStore store, long position)
    {
        var probe = new DurabilityProbe();
        store.WhenDurable(position, probe);
        Assert.Equal(DurabilityOutcome.Durable, await probe.Outcome);
    }
}
