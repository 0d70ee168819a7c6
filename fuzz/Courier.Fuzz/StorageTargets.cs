using System.Buffers.Binary;
using System.Text.Json;
using Courier.Core.Messages;
using Courier.Storage;
using Courier.Storage.Definitions;
using Courier.Storage.Devices;
using Courier.Storage.Format;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Fuzz;

/// <summary>
/// What the broker reads back from its data directory. A damaged file is refused with
/// <see cref="InvalidDataException"/> (the record and table decoders, definitions.json's contents)
/// or <see cref="StoreFormatException"/> (segment headers, store identity); a JSON syntax error in
/// definitions.json is the serializer's <see cref="JsonException"/>.
/// </summary>
internal static class StorageTargets
{
    private static readonly Lazy<(byte[] Identity, int Segment, byte[] Header)> EmptyJournal = new(CreateEmptyJournal);

    /// <summary>A message record's payload after its queue list (format 3: the neutral message).</summary>
    public static void StoredMessage(byte[] input)
    {
        try
        {
            var position = 0;
            _ = StoredMessageCodec.Read(input, ref position);
        }
        catch (InvalidDataException e)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>
    /// A journal segment recovered at start-up, then each recovered message read back as a queue
    /// pages it in. The input is a list of records (type, 16-bit length, payload); the harness seals
    /// each with its length and CRC as the journal writes them, so the fuzzer reaches the decoders of
    /// payloads rather than stopping at the CRC (a record that fails its CRC ends recovery of its
    /// segment, which the torn-tail tests cover).
    /// </summary>
    public static void JournalRecovery(byte[] input)
    {
        var device = JournalWith(input);
        try
        {
            using var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance);
            var recovery = store.Recover();
            foreach (var queue in recovery.Queues.Values)
            {
                foreach (var message in queue)
                {
                    _ = store.Load(message.Ref);
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or StoreFormatException)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>A journal device holding one segment of the input's records (see <see cref="SealRecords"/>).</summary>
    internal static MemoryJournalDevice JournalWith(ReadOnlySpan<byte> input)
    {
        var (identity, segmentId, header) = EmptyJournal.Value;
        var device = new MemoryJournalDevice();
        device.WriteIdentity(identity);
        using var segment = device.Open(segmentId);
        segment.Write(0, header);
        segment.Write(header.Length, SealRecords(input));
        segment.Flush();
        return device;
    }

    /// <summary>definitions.json as the broker loads it at start-up.</summary>
    public static void Definitions(byte[] input)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"courier-fuzz-definitions-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        File.WriteAllBytes(Path.Combine(directory, "definitions.json"), input);
        try
        {
            _ = new FileDefinitionStore(directory).Load();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>Frames the input's records as the journal does: [type][length (16-bit LE)][payload], repeated.</summary>
    internal static byte[] SealRecords(ReadOnlySpan<byte> input)
    {
        using var output = new MemoryStream();
        long sequence = 1;
        while (input.Length >= 3)
        {
            var type = (RecordType)input[0];
            var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(input[1..]), input.Length - 3);
            var record = new byte[RecordFraming.HeaderSize + length];
            input.Slice(3, length).CopyTo(record.AsSpan(RecordFraming.HeaderSize));
            RecordFraming.Seal(record, type, sequence++, epoch: 1);
            output.Write(record);
            input = input[(3 + length)..];
        }

        return output.ToArray();
    }

    /// <summary>The inverse of <see cref="SealRecords"/>'s input format, for writing seeds.</summary>
    internal static void AppendRecord(MemoryStream output, RecordType type, ReadOnlySpan<byte> payload)
    {
        Span<byte> head = stackalloc byte[3];
        head[0] = (byte)type;
        BinaryPrimitives.WriteUInt16LittleEndian(head[1..], checked((ushort)payload.Length));
        output.Write(head);
        output.Write(payload);
    }

    /// <summary>The identity and first segment header a new store writes, taken from a real store.</summary>
    private static (byte[] Identity, int Segment, byte[] Header) CreateEmptyJournal()
    {
        var device = new MemoryJournalDevice();
        using (var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance))
        {
            _ = store.Recover();
        }

        var segment = device.ListSegments()[0];
        var header = new byte[SegmentHeader.Size];
        using (var file = device.Open(segment))
        {
            _ = file.Read(0, header);
        }

        return (device.ReadIdentity()!, segment, header);
    }

    internal static Message SampleMessage(string body) =>
        new("amq.direct", "key", new MessageProperties { ContentType = "text/plain", MessageId = "m-1" }, System.Text.Encoding.UTF8.GetBytes(body), new MessageAnnotations());
}
