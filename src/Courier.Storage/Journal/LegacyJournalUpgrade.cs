using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Courier.Storage.Devices;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>
/// Upgrades a format-1 journal (3b12d1b and before: headerless segments, records framed as length,
/// CRC, type, payload) in place to the current format, on the first start of a new build.
/// </summary>
/// <remarks>
/// Every segment is copied to one of the same number, in a directory alongside
/// (<see cref="IJournalDevice.BeginUpgrade"/>): a header, then each intact record in order, framed
/// anew with a sequence number (from 1, in journal order) and epoch; payloads are copied
/// byte for byte, so messages, their queues, properties and headers, and the settle and delivered
/// records (which name segments, kept as they were) mean what they meant. A torn tail is dropped,
/// as the old recovery would have. Each copy is synced; the new store.id is written last; then
/// the device switches atomically. A crash before the switch leaves the old journal, and the next
/// start upgrades it again from scratch.
/// </remarks>
internal static class LegacyJournalUpgrade
{
    /// <summary>Format 1's record header: length (4, counting the type octet), CRC-32C (4) of type and payload, type (1).</summary>
    private const int LegacyHeaderSize = 9;

    public static void Run(IJournalDevice device, JournalOptions options, ILogger logger)
    {
        JournalLog.Upgrading(logger, SegmentHeader.CurrentVersion);
        var watch = Stopwatch.StartNew();
        var identity = StoreIdentity.New();
        var target = device.BeginUpgrade();
        long sequence = 0, records = 0, dropped = 0;
        var ids = device.ListSegments();
        var output = new ArrayBufferWriter<byte>();
        foreach (var id in ids)
        {
            byte[] data;
            using (var source = device.Open(id))
            {
                data = new byte[source.Length];
                data = data[..source.Read(0, data)];
            }

            if (data.AsSpan().StartsWith("CourierJ"u8))
            {
                // A current segment in a directory without store.id: not an old journal, and not one to guess about.
                throw new StoreFormatException($"journal segment {id} has a current header but the journal has no store.id; refusing to start");
            }

            output.ResetWrittenCount();
            new SegmentHeader(identity.StoreId, sequence + 1, options.Epoch).Write(output.GetSpan(SegmentHeader.Size));
            output.Advance(SegmentHeader.Size);
            var offset = 0;
            int length;
            while ((length = MeasureLegacy(data.AsSpan(offset))) > 0)
            {
                var payload = data.AsSpan(offset + LegacyHeaderSize, length - LegacyHeaderSize);
                var size = RecordFraming.HeaderSize + payload.Length;
                var record = output.GetSpan(size)[..size];
                payload.CopyTo(record[RecordFraming.HeaderSize..]);
                RecordFraming.Seal(record, (RecordType)data[offset + 8], ++sequence, options.Epoch);
                output.Advance(size);
                records++;
                offset += length;
            }

            dropped += data.Length - offset;
            using var copy = target.Open(id);
            copy.Write(0, output.WrittenSpan);
            copy.Flush();
        }

        target.WriteIdentity(identity.ToBytes());
        device.CompleteUpgrade();
        JournalLog.Upgraded(logger, SegmentHeader.CurrentVersion, watch.ElapsedMilliseconds, ids.Count, records, dropped);
    }

    /// <summary>Size of the intact format-1 record at the start of <paramref name="data"/>, or 0 when torn or damaged.</summary>
    private static int MeasureLegacy(ReadOnlySpan<byte> data)
    {
        if (data.Length < LegacyHeaderSize)
        {
            return 0;
        }

        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (declared == 0 || declared > data.Length - 8
            || Crc32C.Compute(data.Slice(8, (int)declared)) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return 0;
        }

        return 8 + (int)declared;
    }
}
