using Courier.Storage.Journal;
using Courier.Core.Storage;
using Courier.Storage.Delayed;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Courier.Storage.Tests.Delayed;

/// <summary>
/// The due-time index gives every entry back once, in due order (ties in the order they were
/// added), never before it is due, whether the entry waited in a slice file, in a slice's buffer
/// or in the head; and it holds in memory only the slices near now.
/// </summary>
public sealed class DueTimeIndexTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-due-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private DueTimeIndex NewIndex(int bufferedBytes = 1024)
    {
        var index = new DueTimeIndex(_directory, new DueTimeIndexOptions { SliceMillis = 100, LookaheadMillis = 100, BufferedBytes = bufferedBytes });
        index.Reset();
        return index;
    }

    private static DelayedEntry Entry(long dueAt, int n) => new(dueAt, 1, new StoredLocation(1, n * 64, 64));

    [Fact]
    public void Entries_come_out_in_due_order_with_ties_in_the_order_added_and_none_early()
    {
        var index = NewIndex();
        long[] dues = [5_000, 1_250, 3_000, 1_250, 40, 9_999, 3_000];
        for (var i = 0; i < dues.Length; i++)
        {
            index.Add(Entry(dues[i], i));
        }

        var taken = new List<(long Now, DelayedEntry Entry)>();
        for (long now = 0; now <= 10_000; now += 10)
        {
            while (index.TryTakeDue(now, out var entry))
            {
                taken.Add((now, entry));
            }
        }

        Assert.Equal([4, 1, 3, 2, 6, 0, 5], taken.Select(t => t.Entry.Location.Offset / 64));
        Assert.All(taken, t => Assert.True(t.Entry.DueAt <= t.Now));
        Assert.Equal(0, index.Count);
    }

    [Fact]
    public void Only_the_slices_near_now_are_held_in_memory()
    {
        // 10,000 entries over 10 s in 100 ms slices, written out every 1 KiB.
        var index = NewIndex();
        for (var i = 0; i < 10_000; i++)
        {
            index.Add(Entry(i, i));
        }

        Assert.Equal(0, index.HeadCount);
        Assert.True(Directory.EnumerateFiles(_directory).Count() >= 90, "the slices were written to files");

        Assert.Equal(0, index.NextDue(0));
        Assert.InRange(index.HeadCount, 1, 200);
        Assert.True(index.TryTakeDue(0, out var first));
        Assert.Equal(0, first.DueAt);
        Assert.False(index.TryTakeDue(0, out _));
        Assert.Equal(1, index.NextDue(0));
    }

    [Fact]
    public void Removing_a_key_drops_its_entries_from_the_head_the_buffers_and_the_files()
    {
        var index = NewIndex(bufferedBytes: 240);
        for (var i = 0; i < 1_000; i++)
        {
            index.Add(new DelayedEntry(i * 5, 1 + (i % 2), new StoredLocation(1, i * 64, 64)));
        }

        Assert.Equal(0, index.NextDue(0));

        Assert.Equal(500, index.RemoveKey(2));

        Assert.Equal(500, index.Count);
        var taken = new List<DelayedEntry>();
        while (index.TryTakeDue(10_000, out var entry))
        {
            taken.Add(entry);
        }

        Assert.Equal(500, taken.Count);
        Assert.All(taken, e => Assert.Equal(1, e.Key));
        Assert.Empty(Directory.EnumerateFiles(_directory));
    }

    [Property(Arbitrary = [typeof(IndexHistories)], MaxTest = 200)]
    public void Any_interleaving_of_adds_and_takes_gives_every_entry_once_in_due_order_and_never_early(IndexStep[] steps)
    {
        var index = NewIndex(bufferedBytes: 96);
        long now = 0;
        var added = new List<DelayedEntry>();
        var taken = new List<DelayedEntry>();
        var n = 0;
        foreach (var step in steps)
        {
            if (step.Advance > 0)
            {
                now += step.Advance;
                TakeAll();
            }
            else
            {
                var entry = Entry(now + step.Delay, n++);
                added.Add(entry);
                index.Add(entry);
            }
        }

        now = long.MaxValue / 2;
        TakeAll();

        Assert.Equal(added.OrderBy(e => e.DueAt).ThenBy(e => e.Location.Offset), taken);
        Directory.Delete(_directory, recursive: true);

        void TakeAll()
        {
            while (index.TryTakeDue(now, out var entry))
            {
                Assert.True(entry.DueAt <= now, $"{entry} taken at {now}");
                Assert.True(taken.Count == 0 || taken[^1].DueAt <= entry.DueAt, "taken out of due order");
                taken.Add(entry);
            }

            Assert.True(index.NextDue(now) > now, "an entry due by now was left behind");
        }
    }
}

/// <summary>Either an add due <see cref="Delay"/> ms from now, or the clock moving <see cref="Advance"/> ms and everything due taken.</summary>
public sealed record IndexStep(int Delay, int Advance)
{
    public override string ToString() => Advance > 0 ? $"+{Advance}ms" : $"add in {Delay}ms";
}

public static class IndexHistories
{
    public static Arbitrary<IndexStep[]> Steps()
    {
        var add = Gen.Frequency((3, Gen.Choose(0, 1_000)), (1, Gen.Choose(0, 30))).Select(d => new IndexStep(d, 0));
        var advance = Gen.Choose(1, 400).Select(a => new IndexStep(0, a));
        var step = Gen.Frequency((3, add), (1, advance));
        return Arb.From(Gen.Choose(1, 120).SelectMany(n => step.ArrayOf(n)));
    }
}
