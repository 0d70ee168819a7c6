using Courier.Storage.Delayed;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Delayed;

/// <summary>
/// The delayed store's records with a right CRC and a payload shorter than their fields, as
/// afl-fuzz produced them (fuzz/run.sh, target delayed-records; the inputs are in
/// fuzz/corpus/delayed-records/finding-*). Recovery refuses such a journal with
/// <see cref="InvalidDataException"/> naming the record, where it threw ArgumentOutOfRangeException
/// or IndexOutOfRangeException reading past the payload.
/// </summary>
public sealed class DamagedDelayedRecordTests : IDisposable
{
    private readonly string _index = Path.Combine(Path.GetTempPath(), "courier-delayed-damaged-" + Guid.NewGuid().ToString("N"));

    public static TheoryData<RecordType, string> Records => new()
    {
        { RecordType.DelayedExchange, "0100" },                                  // 2 of the key's 4 bytes
        { RecordType.DelayedExchangeForgotten, "00000000" },                     // no key after the segment
        { RecordType.DelayedMessage, "01000000" + "E803" },                      // 2 of the due time's 8 bytes
        { RecordType.DelayedTransientMessage, "010000" },                        // 3 of the key's 4 bytes
        { RecordType.DelayedRouted, "00000000" + "01000000" + "00000000" + "40000000" }, // no persistence flag
    };

    public void Dispose()
    {
        if (Directory.Exists(_index))
        {
            Directory.Delete(_index, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Records))]
    public void A_delayed_record_shorter_than_its_fields_is_refused(RecordType type, string payloadHex)
    {
        var device = DamagedRecordPayloadTests.DeviceWith(type, Convert.FromHexString(payloadHex));

        using var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance);
        _ = new DelayedMessageStore(store, _index);
        var refused = Assert.Throws<InvalidDataException>(() => store.Recover());
        Assert.Contains(type.ToString(), refused.Message, StringComparison.Ordinal);
    }
}
