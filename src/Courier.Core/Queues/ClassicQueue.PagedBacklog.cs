namespace Courier.Core.Queues;

public sealed partial class ClassicQueue
{
    /// <summary>
    /// The journal-only backlog behind the head: one FIFO per priority level (one level for a queue
    /// without priorities), so a priority queue pages like any other. An entry's level is the
    /// inverted priority folded into its <see cref="PagedEntry.Sequence"/>, so the front of the
    /// backlog, the first entry of the first non-empty level, is its smallest sequence. Within a
    /// level entries arrive in sequence order, as the queue keeps everything in a level's FIFO
    /// after whatever of that level is in the ready set.
    /// </summary>
    private sealed class PagedBacklog
    {
        private readonly ChunkedQueue<PagedEntry>[] _levels;

        // The first level that may hold entries (all before it are empty); _levels.Length when empty.
        private int _top;

        public PagedBacklog(int levels)
        {
            _levels = new ChunkedQueue<PagedEntry>[levels];
            for (var i = 0; i < levels; i++)
            {
                _levels[i] = new ChunkedQueue<PagedEntry>();
            }

            _top = levels;
        }

        public long Count { get; private set; }

        public void Enqueue(in PagedEntry entry)
        {
            var level = LevelOf(entry);
            _levels[level].Enqueue(entry);
            Count++;
            if (level < _top)
            {
                _top = level;
            }
        }

        public bool TryPeek(out PagedEntry entry)
        {
            if (Count == 0)
            {
                entry = default;
                return false;
            }

            return _levels[_top].TryPeek(out entry);
        }

        public bool TryDequeue(out PagedEntry entry)
        {
            if (Count == 0)
            {
                entry = default;
                return false;
            }

            var level = _levels[_top];
            level.TryDequeue(out entry);
            Count--;
            if (level.Count == 0)
            {
                AdvanceTop();
            }

            return true;
        }

        /// <summary>
        /// Puts entries in front of their levels: <paramref name="entries"/> are in sequence order
        /// and each comes before everything already in its level (a tail of the ready set paged out).
        /// </summary>
        public void Prepend(ReadOnlySpan<PagedEntry> entries)
        {
            var start = 0;
            while (start < entries.Length)
            {
                var level = LevelOf(entries[start]);
                var end = start + 1;
                while (end < entries.Length && LevelOf(entries[end]) == level)
                {
                    end++;
                }

                _levels[level].Prepend(entries[start..end]);
                Count += end - start;
                _top = Math.Min(_top, level);
                start = end;
            }
        }

        /// <summary>The entries in order, as writable spans, for in-place updates (compaction).</summary>
        public IEnumerable<Memory<PagedEntry>> Chunks()
        {
            for (var i = _top; i < _levels.Length; i++)
            {
                foreach (var chunk in _levels[i].Chunks())
                {
                    yield return chunk;
                }
            }
        }

        private int LevelOf(in PagedEntry entry) => _levels.Length == 1 ? 0 : (int)(entry.Sequence >>> PriorityShift);

        private void AdvanceTop()
        {
            while (_top < _levels.Length && _levels[_top].Count == 0)
            {
                _top++;
            }
        }
    }
}
