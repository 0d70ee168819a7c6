using System.Buffers;
using Courier.Storage.Devices;

namespace Courier.Storage.Journal;

/// <summary>A segment's in-memory state: its file, buffers, references and dependencies.</summary>
public sealed partial class SegmentLog
{
    /// <summary>One segment file and its in-memory state; guarded by the log's lock.</summary>
    private sealed class Segment
    {
        private ArrayBufferWriter<byte> _spare = new(4096);
        private Dictionary<int, int>? _dependencies;

        public Segment(int id, ISegmentFile file)
        {
            Id = id;
            File = file;
        }

        public int Id { get; }

        public ISegmentFile File { get; }

        /// <summary>Where the next record goes (written and pending bytes).</summary>
        public long AppendOffset { get; set; }

        /// <summary>Bytes handed to the file so far (the pending buffer starts here).</summary>
        public long FlushedOffset { get; set; }

        /// <summary>The buffer the committer is writing, readable until the write is done.</summary>
        public ArrayBufferWriter<byte>? InFlight { get; set; }

        public long InFlightOffset { get; set; }

        public ArrayBufferWriter<byte> Pending { get; private set; } = new(4096);

        /// <summary>Queue references held by this segment's message records.</summary>
        public int References { get; set; }

        /// <summary>Bytes of message records still referenced, counted once per reference (an estimate of what compaction would copy).</summary>
        public long LiveBytes { get; set; }

        /// <summary>Sequence number that must be durable before the segment may be deleted (set when its messages were copied forward).</summary>
        public long DeletableAfter { get; set; }

        /// <summary>Sequence numbers of the first and last record in <see cref="Pending"/> (0 when it holds none).</summary>
        public long PendingFirst { get; set; }

        public long PendingLast { get; set; }

        /// <summary>Where records start in <see cref="Pending"/>: after the segment header while that is still pending.</summary>
        public int PendingRecordsStart { get; set; }

        /// <summary>
        /// Gives back buffer memory once a burst is written: a segment that is no longer the tail
        /// will take no more appends, and the tail keeps at most a modest buffer between bursts.
        /// Without this every segment would keep its largest batch's buffers for its whole life.
        /// </summary>
        public void TrimBuffers(bool isTail)
        {
            const int Retained = 1024 * 1024;
            if (!isTail && Pending.WrittenCount == 0)
            {
                Pending = new ArrayBufferWriter<byte>(1);
                _spare = new ArrayBufferWriter<byte>(1);
                return;
            }

            if (_spare.Capacity > Retained)
            {
                _spare = new ArrayBufferWriter<byte>(4096);
            }
        }

        public ArrayBufferWriter<byte> SwapPending()
        {
            var full = Pending;
            Pending = _spare;
            _spare = full;
            return full;
        }

        public void AddDependency(int segment)
        {
            _dependencies ??= [];
            _dependencies[segment] = _dependencies.GetValueOrDefault(segment) + 1;
        }

        /// <summary>True while a segment this one's settle records refer to still exists.</summary>
        public bool HasDependencyIn(SortedDictionary<int, Segment> segments)
        {
            if (_dependencies is null)
            {
                return false;
            }

            foreach (var segment in _dependencies.Keys)
            {
                if (segments.ContainsKey(segment))
                {
                    return true;
                }
            }

            return false;
        }
    }
}
