using Courier.Storage.Delayed;
using Courier.Storage.Journal;

namespace Courier.Storage.Tests.Delayed;

/// <summary>
/// The due-time index when its slice files cannot be written (issue 13: a full or failing disk
/// must not fail the scheduling of a delayed message the journal already holds): the buffers stay
/// in memory, nothing throws, the next write comes when the disk allows, and every entry still
/// comes out once, in due order.
/// </summary>
public sealed class DueTimeIndexWriteFailureTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-due-fail-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Entries_whose_slice_files_cannot_be_written_stay_in_memory_and_all_come_out_in_due_order()
    {
        // 1. An index that writes its buffers every few entries, whose directory is gone: every
        //    write fails with an I/O error, as on a disk that refuses them.
        var index = new DueTimeIndex(_directory, new DueTimeIndexOptions { SliceMillis = 100, LookaheadMillis = 100, BufferedBytes = 4 * DelayedEntry.Size });
        index.Reset();
        Directory.Delete(_directory, recursive: true);

        // 2. Entries added: no exception, the failed writes counted, backing off rather than
        //    failing at every add.
        var n = 0;
        for (; n < 60; n++)
        {
            index.Add(Entry(10_000 - (n * 37), n));
        }

        Assert.InRange(index.WriteFailures, 1, 20);

        // 3. The disk allows again: later writes go through.
        Directory.CreateDirectory(_directory);
        var failures = index.WriteFailures;
        for (; n < 100; n++)
        {
            index.Add(Entry(10_000 - (n * 37), n));
        }

        Assert.Equal(failures, index.WriteFailures);
        Assert.NotEmpty(Directory.GetFiles(_directory));

        // 4. Every entry comes out once, in due order, none early.
        var taken = new List<DelayedEntry>();
        for (long now = 0; now <= 11_000; now += 50)
        {
            while (index.TryTakeDue(now, out var entry))
            {
                Assert.True(entry.DueAt <= now);
                taken.Add(entry);
            }
        }

        Assert.Equal(100, taken.Count);
        Assert.Equal(taken.Select(e => e.DueAt).Order(), taken.Select(e => e.DueAt));
        Assert.Equal(Enumerable.Range(0, 100), taken.Select(e => (int)(e.Location.Offset / 64)).Order());
    }

    private static DelayedEntry Entry(long dueAt, int n) => new(dueAt, 1, new StoredLocation(1, n * 64, 64));
}
