using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// A synced record whose bytes changed on disk: the CRC-32C catches it wherever the flip is, and
/// recovery stops that segment at that record (nothing after it in the segment can be trusted to
/// be framed right) while later segments are still replayed.
/// </summary>
public sealed class CorruptRecordRecoveryTests
{
    [Theory]
    [InlineData(0)] // the length field's low byte
    [InlineData(5)] // the CRC
    [InlineData(8)] // the record type
    [InlineData(SegmentLog.HeaderSize + 3)] // the message id
    [InlineData(-1)] // the last byte of the body
    public async Task A_flipped_byte_ends_its_segment_at_that_record_and_later_segments_still_replay(int byteInRecord)
    {
        var device = new MemoryJournalDevice();
        var stored = new List<StoredMessage>();

        // 1. Twelve synced messages across three 2 KiB segments.
        using (var store = Open(device, CommitPolicy.Always, out _, segmentSize: 2048))
        {
            for (var n = 0; n < 12; n++)
            {
                stored.Add(store.AppendMessage(SampleMessages.Plain(n, bodySize: 400), [1]));
            }

            await AwaitDurable(store, stored[^1].CommitSequence);
        }

        var firstSegment = stored[0].Location.Segment;
        var inFirstSegment = stored.Where(s => s.Location.Segment == firstSegment).ToList();
        Assert.True(inFirstSegment.Count >= 3 && inFirstSegment.Count < stored.Count);
        var segmentLength = device.Open(firstSegment).Length;

        // 2. Flip one byte of the second record of the first segment.
        var victim = inFirstSegment[1].Location;
        var at = victim.Offset + (byteInRecord >= 0 ? byteInRecord : victim.Length + byteInRecord);
        var original = new byte[1];
        device.Open(firstSegment).Read(at, original);
        device.Corrupt(firstSegment, at, [(byte)~original[0]]);

        // 3. Recover.
        using (var store = Open(device, CommitPolicy.Always, out var recovery))
        {
            // 4. The first segment ends before the flipped record; it and the rest of its segment are gone; later segments are intact.
            long[] expected = [stored[0].MessageId, .. stored.Where(s => s.Location.Segment != firstSegment).Select(s => s.MessageId)];
            Assert.Equal(expected, recovery.Queues[1].Select(m => m.MessageId));
            Assert.Equal(segmentLength - victim.Offset, recovery.Stats.TruncatedBytes);
            Assert.Equal(victim.Offset, device.Open(firstSegment).Length);
        }
    }
}
