using System.Buffers.Binary;
using System.Diagnostics;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Journal;

/// <summary>Recovery: check the store identity (upgrading a format-1 journal), scan every segment, check every header and record, truncate a torn tail, replay records.</summary>
public sealed partial class SegmentLog
{
    public delegate void RecordVisitor(RecordType type, ReadOnlySpan<byte> payload, StoredLocation location);

    /// <summary>What a recovery scan found.</summary>
    public readonly record struct RecoveryStats(int Segments, long Records, long Bytes, long TruncatedBytes, TimeSpan Elapsed);

    /// <summary>
    /// Replays every intact record in order to <paramref name="visit"/>. A record whose length runs
    /// past the data or whose CRC does not match ends its segment: the segment is truncated there
    /// (a torn write at the tail after power loss; anywhere else it is corruption, and logged as such).
    /// A segment shorter than its header was torn as it was created and holds nothing. A header or
    /// store identity that is damaged or from a newer format throws <see cref="StoreFormatException"/>.
    /// The next sequence number continues after the highest in any record or header.
    /// Call once, before <see cref="Start"/>; then <see cref="RestoreReferences"/>.
    /// </summary>
    public RecoveryStats Recover(RecordVisitor visit)
    {
        _recovered = true;
        var watch = Stopwatch.StartNew();
        _identity = OpenIdentity();
        long records = 0, bytes = 0, truncated = 0, highest = 0;
        var ids = _device.ListSegments();
        List<Segment>? headerless = null;
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
            if (data.Length < SegmentHeader.Size)
            {
                // Created just before a crash: its header never reached the disk, and nothing after it did.
                (headerless ??= []).Add(segment);
            }
            else
            {
                if (headerless is not null)
                {
                    // Only the newest segments can lack a header (created just before a crash);
                    // one followed by a written segment is damage, and numbering it anew would
                    // put its sequence numbers out of order.
                    throw new StoreFormatException($"journal segment {headerless[0].Id} is shorter than its header but segment {id} after it is written; the journal is damaged, refusing to start");
                }

                var header = SegmentHeader.Read(data, $"journal segment {id}");
                if (header.StoreId != _identity.StoreId)
                {
                    throw new StoreFormatException($"journal segment {id} belongs to another data directory (store {header.StoreId}, not {_identity.StoreId}); refusing to start");
                }

                highest = Math.Max(highest, header.FirstSequence - 1);
                offset = SegmentHeader.Size;
                int size;
                while ((size = RecordFraming.Measure(data[offset..])) > 0)
                {
                    var record = data.Slice(offset, size);
                    var type = RecordFraming.TypeOf(record);
                    highest = Math.Max(highest, RecordFraming.SequenceOf(record));
                    visit(type, record[HeaderSize..], new StoredLocation(id, offset, size));
                    TrackReplayedRecord(segment, type, record[HeaderSize..]);
                    records++;
                    offset += size;
                }
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
            _appendSequence = highest;
            _commitRequestedSequence = highest;
            Interlocked.Exchange(ref _durableSequence, highest);
            foreach (var segment in headerless ?? [])
            {
                WriteHeaderLocked(segment);
            }

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

    /// <summary>
    /// The store identity: read and checked; or, for a journal of headerless format-1 segments,
    /// made by upgrading it in place; or, for a new directory, created.
    /// </summary>
    private StoreIdentity OpenIdentity()
    {
        var bytes = _device.ReadIdentity();
        if (bytes is null && _device.ListSegments().Count > 0)
        {
            LegacyJournalUpgrade.Run(_device, _options, _logger);
            bytes = _device.ReadIdentity() ?? throw new StoreFormatException("the journal upgrade left no store.id; refusing to start");
        }

        if (bytes is not null)
        {
            return StoreIdentity.Read(bytes, "journal store.id");
        }

        var identity = StoreIdentity.New();
        _device.WriteIdentity(identity.ToBytes());
        return identity;
    }

    private static void TrackReplayedRecord(Segment segment, RecordType type, ReadOnlySpan<byte> payload)
    {
        // A settle, delivered, routed or forgotten record's payload starts with the segment of the
        // record it refers to; the dependency keeps this segment until that one is gone.
        if (type is not (RecordType.Settle or RecordType.Delivered or RecordType.DelayedRouted or RecordType.DelayedExchangeForgotten) || payload.Length < 4)
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
