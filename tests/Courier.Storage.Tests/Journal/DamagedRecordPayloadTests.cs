using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// Records whose CRC is right but whose payload is not what their type says, as afl-fuzz produced
/// them (fuzz/run.sh, target journal-recovery, which seals the records it is given; the inputs
/// found are in fuzz/corpus/journal-recovery/). Recovery refuses such a journal with
/// <see cref="InvalidDataException"/> naming the record, where it threw ArgumentOutOfRangeException
/// reading past the payload or filing a message under queue -1.
/// </summary>
public sealed class DamagedRecordPayloadTests
{
    public static TheoryData<RecordType, string> Records => new()
    {
        { RecordType.Settle, "" },                                          // no queue, no message id
        { RecordType.Delivered, "00000000" },                               // 4 of 16 bytes
        { RecordType.PagedMessage, "0102030405" },                          // 5 of the id's 8 bytes
        { RecordType.Message, "" },                                         // no id or queue count
        { RecordType.Message, "0100000000000000" + "0300" + "01000000" },   // 3 queues, 1 written
        { RecordType.StampedMessage, "0100000000000000" + "0100" + "01000000" }, // no arrival time
        { RecordType.StampedMessage, "0100000000000000" + "0200" + "01000000" + "FFFFFFFF" + "0000000000000000" }, // queue -1
    };

    [Theory]
    [MemberData(nameof(Records))]
    public void A_record_shorter_than_its_fields_or_naming_a_negative_queue_is_refused(RecordType type, string payloadHex)
    {
        var device = DeviceWith(type, Convert.FromHexString(payloadHex));

        // 3. Recovery refuses it, naming the record's type.
        using var reopened = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance);
        var refused = Assert.Throws<InvalidDataException>(() => reopened.Recover());
        Assert.Contains(type.ToString(), refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A journal as a first start leaves it (its identity and an empty first segment), then one record with a right CRC and <paramref name="payload"/>.</summary>
    internal static MemoryJournalDevice DeviceWith(RecordType type, ReadOnlySpan<byte> payload)
    {
        var device = new MemoryJournalDevice();
        using (var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance))
        {
            _ = store.Recover();
        }

        var record = new byte[RecordFraming.HeaderSize + payload.Length];
        payload.CopyTo(record.AsSpan(RecordFraming.HeaderSize));
        RecordFraming.Seal(record, type, sequence: 1, epoch: 1);
        var segment = device.ListSegments()[0];
        using (var file = device.Open(segment))
        {
            file.Write(file.Length, record);
            file.Flush();
        }

        return device;
    }

    [Fact]
    public void A_message_record_as_the_store_writes_it_still_recovers()
    {
        var device = new MemoryJournalDevice();
        using (var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance))
        {
            _ = store.Recover();
            _ = store.AppendMessage(Support.SampleMessages.Plain(1, bodySize: 10), [3, 4]);
        }

        using var reopened = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance);
        var recovery = reopened.Recover();

        Assert.Equal([3, 4], recovery.Queues.Keys.Order());
        Assert.Equal(1, recovery.Messages);
    }
}
