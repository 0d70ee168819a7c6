using System.Buffers.Binary;
using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;
using Courier.Mqtt.Server;
using Courier.Storage;
using Courier.Storage.Delayed;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Keyed;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Fuzz;

/// <summary>
/// The other files of the data directory the broker reads back at start-up: the delayed store's
/// journal records and the keyed logs (MQTT retained messages, QoS 2 session state and received
/// packet ids). A damaged record is refused with <see cref="InvalidDataException"/> or
/// <see cref="StoreFormatException"/>; anything else escaping is a finding.
/// </summary>
internal static class DataDirectoryTargets
{
    private static readonly string IndexDirectory = Path.Combine(Path.GetTempPath(), $"courier-fuzz-delayed-{Environment.ProcessId}");

    /// <summary>
    /// The delayed store's records (exchange catalog, scheduled messages, routed and forgotten
    /// marks) recovered from a journal segment, then every due message read back as the scheduler
    /// does. The input is records as for the journal-recovery target (type, 16-bit length, payload;
    /// the harness seals them).
    /// </summary>
    public static void DelayedRecords(byte[] input)
    {
        var device = StorageTargets.JournalWith(input);
        try
        {
            using var store = new JournalMessageStore(device, new JournalOptions(), NullLogger.Instance);
            var delayed = new DelayedMessageStore(store, IndexDirectory);
            _ = store.Recover();
            var taken = 0;
            while (taken++ < 10_000 && delayed.TryTakeDue(long.MaxValue, out _))
            {
            }
        }
        catch (Exception e) when (e is InvalidDataException or StoreFormatException)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>
    /// A keyed log loaded at start-up, and every value read back through the decoder of the kind
    /// that stores it (a retained message; a session's QoS 2 deliveries or received ids). The input
    /// is records of type (1: put, 2: remove, anything else as it comes), 16-bit length and body
    /// (key length, key, value); the harness seals each with its length and CRC-32C as the log
    /// writes them, so the fuzzer reaches the record checks and the decoders, not the CRC.
    /// </summary>
    public static void KeyedLog(byte[] input)
    {
        var device = new MemoryJournalDevice();
        using (var file = device.Open(0))
        {
            Span<byte> header = stackalloc byte[FileKeyedLog.FileHeaderSize];
            FileKeyedLog.WriteFileHeader(header);
            file.Write(0, header);
            file.Write(header.Length, SealKeyedRecords(input));
            file.Flush();
        }

        try
        {
            using var log = FileKeyedLog.Open(
                Path.Combine(Path.GetTempPath(), "courier-fuzz-keyed.log"),
                new KeyedLogOptions { OpenFile = _ => device.Open(0), SyncToDisk = false, CompactionMinBytes = long.MaxValue },
                NullLogger.Instance);
            foreach (var key in log.CopyKeys())
            {
                var value = log.Read(key)!;
                if (key.StartsWith("\0received\0", StringComparison.Ordinal))
                {
                    Decode(() => MqttQos2Deliveries.DecodeReceived(value));
                    continue;
                }

                // A retained log and a session log are both keyed by strings: each value goes
                // through both decoders, each refusing what is not its own.
                Decode(() => RetainedRecord.Decode(value));
                Decode(() => MqttQos2Deliveries.Decode(value));
            }
        }
        catch (Exception e) when (e is InvalidDataException or StoreFormatException)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>Runs a value decoder; its refusals (a damaged value, malformed MQTT properties) pass.</summary>
    private static void Decode(Func<object?> decoder)
    {
        try
        {
            _ = decoder();
        }
        catch (Exception e) when (e is InvalidDataException or MqttProtocolException)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>Frames the input's records as the keyed log does: [length (4)][CRC-32C (4)][type][body].</summary>
    internal static byte[] SealKeyedRecords(ReadOnlySpan<byte> input)
    {
        using var output = new MemoryStream();
        while (input.Length >= 3)
        {
            var length = Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(input[1..]), input.Length - 3);
            var record = new byte[FileKeyedLog.RecordPrefix + 1 + length];
            record[FileKeyedLog.RecordPrefix] = input[0];
            input.Slice(3, length).CopyTo(record.AsSpan(FileKeyedLog.RecordPrefix + 1));
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(record.Length - FileKeyedLog.RecordPrefix));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32C.Compute(record.AsSpan(FileKeyedLog.RecordPrefix)));
            output.Write(record);
            input = input[(3 + length)..];
        }

        return output.ToArray();
    }

    /// <summary>The inverse of <see cref="SealKeyedRecords"/>'s input format, for writing seeds.</summary>
    internal static void AppendKeyedRecord(MemoryStream output, byte type, string key, ReadOnlySpan<byte> value)
    {
        var keyBytes = System.Text.Encoding.UTF8.GetBytes(key);
        var body = new byte[2 + keyBytes.Length + value.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(body, (ushort)keyBytes.Length);
        keyBytes.CopyTo(body, 2);
        value.CopyTo(body.AsSpan(2 + keyBytes.Length));
        Span<byte> head = stackalloc byte[3];
        head[0] = type;
        BinaryPrimitives.WriteUInt16LittleEndian(head[1..], checked((ushort)body.Length));
        output.Write(head);
        output.Write(body);
    }
}
