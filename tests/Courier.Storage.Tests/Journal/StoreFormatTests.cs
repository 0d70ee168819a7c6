using System.Buffers.Binary;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// The versioned format: a directory from a newer build, or with a damaged header, is refused at
/// start, never misread; a format-1 directory (3b12d1b) is upgraded in place, crash-safely.
/// </summary>
public sealed class StoreFormatTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "courier-format-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData(8, 4)] // segment header: format version
    [InlineData(8, 0xffff)]
    public async Task A_segment_from_a_newer_format_is_refused_with_one_line_saying_so(int offset, int version)
    {
        var device = await DeviceWithOneMessageAsync();
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)version);
        device.Corrupt(1, offset, bytes);

        var refused = Assert.Throws<StoreFormatException>(() => Open(device, CommitPolicy.Always, out _));
        Assert.Contains("newer Courier", refused.Message);
        Assert.Contains($"format {version}", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Theory]
    [InlineData(0)] // magic
    [InlineData(12)] // epoch
    [InlineData(20)] // store id
    [InlineData(33)] // first sequence number
    [InlineData(45)] // header CRC
    public async Task A_damaged_segment_header_is_refused_never_read(int offset)
    {
        var device = await DeviceWithOneMessageAsync();
        device.Corrupt(1, offset, [0xA5]);

        var refused = Assert.Throws<StoreFormatException>(() => Open(device, CommitPolicy.Always, out _));
        Assert.Contains("damaged header", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task A_segment_shorter_than_its_header_with_written_segments_after_it_is_refused()
    {
        // 1. Several segments, each with messages.
        var device = new MemoryJournalDevice();
        using (var store = Open(device, CommitPolicy.Always, out _, segmentSize: 256))
        {
            long last = 0;
            for (var i = 1; i <= 8; i++)
            {
                last = store.AppendMessage(SampleMessages.Plain(i), [1]).CommitSequence;
            }

            await AwaitDurable(store, last);
        }

        Assert.True(device.ListSegments().Count >= 3);

        // 2. A segment in the middle loses its header: only the newest ones may lack one.
        using (var middle = device.Open(device.ListSegments()[1]))
        {
            middle.Truncate(10);
        }

        // 3. Refused, not renumbered.
        var refused = Assert.Throws<StoreFormatException>(() => Open(device, CommitPolicy.Always, out _, segmentSize: 256));
        Assert.Contains("damaged", refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public async Task A_format_2_directory_is_read_as_it_is_and_its_messages_have_no_arrival_time()
    {
        // A directory a format-2 build wrote: version 2 in store.id and the segment header, and a
        // persistent message as a type-5 record (no arrival time).
        var device = new MemoryJournalDevice();
        var message = SampleMessages.Plain(5, bodySize: 30);
        using (var store = Open(device, CommitPolicy.Always, out _))
        {
            var payload = new byte[8 + 2 + 4 + Courier.Storage.Format.StoredMessageCodec.Measure(message)];
            BinaryPrimitives.WriteInt64LittleEndian(payload, 77);
            BinaryPrimitives.WriteUInt16LittleEndian(payload.AsSpan(8), 1);
            BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(10), 1);
            var position = 14;
            Courier.Storage.Format.StoredMessageCodec.Write(payload, ref position, message);
            var (_, sequence) = store.Journal.Append(RecordType.NeutralMessage, payload.Length, payload, static (destination, bytes) => bytes.CopyTo(destination), addReferences: 1);
            await AwaitDurable(store, sequence);
        }

        var identity = device.ReadIdentity()!.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(identity.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(identity.AsSpan(28), Crc32C.Compute(identity.AsSpan(0, 28)));
        device.WriteIdentity(identity);
        var header = new byte[SegmentHeader.Size];
        using (var segment = device.Open(1))
        {
            segment.Read(0, header);
        }

        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 2);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(44), Crc32C.Compute(header.AsSpan(0, 44)));
        device.Corrupt(1, 0, header);

        using (var reopened = Open(device, CommitPolicy.Always, out var recovery))
        {
            var recovered = Assert.Single(recovery.Queues[1]);
            Assert.Equal(77, recovered.MessageId);
            Assert.Equal(0, recovered.ArrivedAt);
            SampleMessages.AssertSameMessage(message, reopened.Load(recovered.Ref));
            await AwaitDurable(reopened, reopened.AppendMessage(SampleMessages.Plain(6), [1]).CommitSequence);
        }

        using var again = Open(device, CommitPolicy.Always, out var second);
        Assert.Equal([77L, 78L], second.Queues[1].Select(m => m.MessageId));
        Assert.Equal(0, second.Queues[1][0].ArrivedAt);
        Assert.True(second.Queues[1][1].ArrivedAt > 0, "a message this build wrote has its arrival time");
    }

    [Fact]
    public async Task A_store_id_from_a_newer_format_or_damaged_is_refused()
    {
        var device = await DeviceWithOneMessageAsync();
        var identity = device.ReadIdentity()!;

        var newer = identity.ToArray();
        BinaryPrimitives.WriteUInt16LittleEndian(newer.AsSpan(8), 9);
        device.WriteIdentity(newer);
        Assert.Contains("newer Courier", Assert.Throws<StoreFormatException>(() => Open(device, CommitPolicy.Always, out _)).Message);

        var damaged = identity.ToArray();
        damaged[20] ^= 0xFF;
        device.WriteIdentity(damaged);
        Assert.Contains("damaged", Assert.Throws<StoreFormatException>(() => Open(device, CommitPolicy.Always, out _)).Message);
    }

    [Fact]
    public async Task Segments_of_the_current_format_without_a_store_id_are_refused_not_upgraded()
    {
        var directory = Path.Combine(_root, "journal");
        using (var store = new JournalMessageStore(new FileJournalDevice(directory), new JournalOptions(), NullLogger.Instance))
        {
            store.Recover();
            await AwaitDurable(store, store.AppendMessage(SampleMessages.Plain(1), [1]).CommitSequence);
        }

        File.Delete(Path.Combine(directory, "store.id"));
        using var again = new JournalMessageStore(new FileJournalDevice(directory), new JournalOptions(), NullLogger.Instance);
        Assert.Contains("no store.id", Assert.Throws<StoreFormatException>(() => again.Recover()).Message);
    }

    [Theory]
    [InlineData("clean")]
    [InlineData("sigkill")] // ends in a torn record of 30 bytes, dropped as the old recovery would
    public void A_format_1_journal_is_upgraded_in_place_with_every_message_and_mark(string fixture)
    {
        var directory = CopyFixtureJournal(fixture);

        var recovery = RecoverFrom(directory, out var store);
        using (store)
        {
            // 1. Queue 1 (fixture.a) and 2 (fixture.b) hold what the fixture's README says, in order.
            Assert.Equal([2, 3, 4, 6, 7], Numbers(store, recovery.Queues[1]));
            Assert.Equal([true, false, false, false, false], recovery.Queues[1].Select(m => m.Delivered));
            Assert.Equal([4, 5], Numbers(store, recovery.Queues[2]));
            Assert.Equal([true, false], recovery.Queues[2].Select(m => m.Delivered));
            Assert.Equal(6, recovery.Messages);

            // 2. The journal is in the current format now, numbered from 1, and the old one is gone.
            Assert.True(File.Exists(Path.Combine(directory, "store.id")));
            Assert.False(Directory.Exists(directory + ".legacy"));
            Assert.False(Directory.Exists(directory + ".upgrade"));
            var bytes = File.ReadAllBytes(Path.Combine(directory, "00000001.seg"));
            Assert.Equal(1, SegmentHeader.Read(bytes, "segment 1").FirstSequence);
            Assert.Equal(store.Journal.LastSequence, store.Journal.DurableSequence);
        }

        // 3. A second start reads it as it is: no second upgrade, same contents.
        var again = RecoverFrom(directory, out var reopened);
        using (reopened)
        {
            Assert.Equal([2, 3, 4, 6, 7], Numbers(reopened, again.Queues[1]));
            Assert.Equal(0, again.Stats.TruncatedBytes);
        }
    }

    [Fact]
    public void An_upgrade_interrupted_before_the_switch_starts_again_from_the_old_journal()
    {
        var directory = CopyFixtureJournal("clean");

        // A crash mid-copy left a partial upgrade beside the old journal (no store.id yet).
        Directory.CreateDirectory(directory + ".upgrade");
        File.WriteAllBytes(Path.Combine(directory + ".upgrade", "00000001.seg"), [1, 2, 3]);

        var recovery = RecoverFrom(directory, out var store);
        using (store)
        {
            Assert.Equal([2, 3, 4, 6, 7], Numbers(store, recovery.Queues[1]));
            Assert.False(Directory.Exists(directory + ".upgrade"));
        }
    }

    [Fact]
    public void An_upgrade_interrupted_between_its_renames_is_finished_at_the_next_start()
    {
        // A complete upgrade, then the state of a crash between "journal -> journal.legacy" and
        // "journal.upgrade -> journal".
        var directory = CopyFixtureJournal("clean");
        _ = RecoverFrom(directory, out var store);
        store.Dispose();
        Directory.Move(directory, directory + ".upgrade");
        CopyDirectory(Path.Combine(FixtureRoot("clean"), "journal"), directory + ".legacy");

        var recovery = RecoverFrom(directory, out var reopened);
        using (reopened)
        {
            Assert.Equal([2, 3, 4, 6, 7], Numbers(reopened, recovery.Queues[1]));
            Assert.False(Directory.Exists(directory + ".legacy"));
        }
    }

    private static StoreRecovery RecoverFrom(string directory, out JournalMessageStore store)
    {
        store = new JournalMessageStore(new FileJournalDevice(directory), new JournalOptions(), NullLogger.Instance);
        return store.Recover();
    }

    /// <summary>The fixture's messages carry their number in the body ("body-N" repeated N times).</summary>
    private static List<int> Numbers(JournalMessageStore store, List<Core.Storage.RecoveredMessage> messages) =>
        [.. messages.Select(m => int.Parse(System.Text.Encoding.ASCII.GetString(store.Load(m.Ref).Body.Span)[5..].Split('b')[0], System.Globalization.CultureInfo.InvariantCulture))];

    private static string FixtureRoot(string fixture) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Format1", fixture, "data");

    private string CopyFixtureJournal(string fixture)
    {
        var directory = Path.Combine(_root, fixture, "journal");
        CopyDirectory(Path.Combine(FixtureRoot(fixture), "journal"), directory);
        return directory;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    private static async Task<MemoryJournalDevice> DeviceWithOneMessageAsync()
    {
        var device = new MemoryJournalDevice();
        using var store = Open(device, CommitPolicy.Always, out _);
        await AwaitDurable(store, store.AppendMessage(SampleMessages.Plain(1), [1]).CommitSequence);
        return device;
    }
}
