using System.Buffers.Binary;
using System.Diagnostics;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>Recovery: scan every segment, check every record, truncate a torn tail, replay records.</summary>
public sealed partial class MessageJournal
{
    public delegate void RecordVisitor(RecordType type, ReadOnlySpan<byte> payload, StoredLocation location);

    /// <summary>What a recovery scan found.</summary>
    public readonly record struct RecoveryStats(int Segments, long Records, long Bytes, long TruncatedBytes, TimeSpan Elapsed);

    /// <summary>
    /// Replays every intact record in order to <paramref name="visit"/>. A record whose length runs
    /// past the data or whose CRC does not match ends its segment: the segment is truncated there
    /// (a torn write at the tail after power loss; anywhere else it is corruption, and logged as such).
    /// Call once, before <see cref="Start"/>; then <see cref="RestoreReferences"/>.
    /// </summary>
    public RecoveryStats Recover(RecordVisitor visit)
    {
        var watch = Stopwatch.StartNew();
        long records = 0, bytes = 0, truncated = 0;
        var ids = _device.ListSegments();
        byte[] buffer = [];
        foreach (var id in ids)
        {
            var file = _device.Open(id);
            var segment = new Segment(id, file);
            var length = file.Length;
            if (buffer.Length < length)
            {
                buffer = GC.AllocateUninitializedArray<byte>((int)length);
            }

            var read = file.Read(0, buffer.AsSpan(0, (int)length));
            var data = buffer.AsSpan(0, read);
            var offset = 0;
            while (offset + HeaderSize <= data.Length)
            {
                var declared = BinaryPrimitives.ReadUInt32LittleEndian(data[offset..]);
                if (declared == 0 || declared > data.Length - offset - 8
                    || Crc32C.Compute(data.Slice(offset + 8, (int)declared)) != BinaryPrimitives.ReadUInt32LittleEndian(data[(offset + 4)..]))
                {
                    break;
                }

                var size = 8 + (int)declared;
                visit((RecordType)data[offset + 8], data.Slice(offset + HeaderSize, size - HeaderSize), new StoredLocation(id, offset, size));
                TrackReplayedRecord(segment, (RecordType)data[offset + 8], data.Slice(offset + HeaderSize, size - HeaderSize));
                records++;
                offset += size;
            }

            if (offset < data.Length)
            {
                JournalLog.Truncated(_logger, id, offset, data.Length - offset);
                truncated += data.Length - offset;
                file.Truncate(offset);
            }

            bytes += offset;
            segment.AppendOffset = segment.FlushedOffset = offset;
            lock (_gate)
            {
                _segments.Add(id, segment);
                _tail = segment;
            }
        }

        lock (_gate)
        {
            if (_tail is not null && _tail.AppendOffset >= _options.SegmentSize)
            {
                _tail = CreateSegmentLocked(_tail.Id + 1);
            }
        }

        watch.Stop();
        JournalLog.Recovered(_logger, watch.ElapsedMilliseconds, ids.Count, records, bytes);
        return new RecoveryStats(ids.Count, records, bytes, truncated, watch.Elapsed);
    }

    /// <summary>After replay: how many queue references each segment's surviving messages still hold.</summary>
    public void RestoreReferences(IReadOnlyDictionary<int, (int References, long Bytes)> bySegment)
    {
        lock (_gate)
        {
            foreach (var segment in _segments.Values)
            {
                var (references, bytes) = bySegment.GetValueOrDefault(segment.Id);
                segment.References = references;
                segment.LiveBytes = bytes;
            }
        }
    }

    private static void TrackReplayedRecord(Segment segment, RecordType type, ReadOnlySpan<byte> payload)
    {
        // A settle or delivered record's payload starts with the segment of the message it refers
        // to; the dependency keeps this segment until that one is gone.
        if (type is not (RecordType.Settle or RecordType.Delivered) || payload.Length < 4)
        {
            return;
        }

        var target = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (target != segment.Id)
        {
            segment.AddDependency(target);
        }
    }
}
