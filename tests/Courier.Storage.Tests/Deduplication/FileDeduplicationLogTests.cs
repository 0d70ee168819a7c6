using Courier.Core.Deduplication;
using Courier.Storage.Deduplication;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Courier.Storage.Tests.Deduplication;

/// <summary>
/// A disk-persistent de-duplication cache's file: what is appended loads back in order, a torn
/// tail (a crash mid-append) loses only the record being written, a rewrite replaces everything,
/// and the cache over it keeps what it held across a reopen, bounded by its size.
/// </summary>
public sealed class FileDeduplicationLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-dedup-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Property(MaxTest = 50)]
    public void Appended_entries_load_back_in_order(NonEmptyString[] keys, long[] expiries)
    {
        var entries = keys.Select((key, i) => new DeduplicationEntry(key.Get, expiries.Length == 0 ? 0 : expiries[i % expiries.Length])).ToList();
        var name = Guid.NewGuid().ToString("N");
        using (var log = Open(name))
        {
            foreach (var entry in entries)
            {
                log.Append(entry);
            }
        }

        using var reopened = Open(name);
        Assert.Equal(entries, reopened.Load());
    }

    [Fact]
    public void A_torn_last_record_is_dropped_and_the_records_before_it_kept()
    {
        using (var log = Open("torn"))
        {
            log.Append(new DeduplicationEntry("s:first", 0));
            log.Append(new DeduplicationEntry("s:second", 42));
        }

        // Every cut inside the second record (header 8, expiry 8, key) leaves the first whole.
        var file = Directory.GetFiles(Path.Combine(_directory, "dedup")).Single();
        var bytes = File.ReadAllBytes(file);
        for (var cut = 1; cut <= 8 + 8 + "s:second".Length; cut++)
        {
            File.WriteAllBytes(file, bytes.AsSpan(0, bytes.Length - cut).ToArray());
            using var log = Open("torn");
            Assert.Equal([new DeduplicationEntry("s:first", 0)], log.Load());
        }
    }

    [Fact]
    public void A_record_with_a_wrong_crc_ends_the_log()
    {
        using (var log = Open("crc"))
        {
            log.Append(new DeduplicationEntry("s:first", 0));
            log.Append(new DeduplicationEntry("s:second", 0));
        }

        var file = Directory.GetFiles(Path.Combine(_directory, "dedup")).Single();
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        using var reopened = Open("crc");
        Assert.Equal([new DeduplicationEntry("s:first", 0)], reopened.Load());
    }

    [Fact]
    public void A_rewrite_replaces_everything_and_appends_go_on_after_it()
    {
        using (var log = Open("rewrite"))
        {
            log.Append(new DeduplicationEntry("s:old", 0));
            log.Rewrite([new DeduplicationEntry("s:kept", 7)]);
            log.Append(new DeduplicationEntry("s:new", 0));
        }

        using var reopened = Open("rewrite");
        Assert.Equal([new DeduplicationEntry("s:kept", 7), new DeduplicationEntry("s:new", 0)], reopened.Load());
    }

    [Fact]
    public void A_deleted_log_loads_empty()
    {
        using (var log = Open("deleted"))
        {
            log.Append(new DeduplicationEntry("s:gone", 0));
            log.Delete();
        }

        using var reopened = Open("deleted");
        Assert.Empty(reopened.Load());
    }

    [Property(MaxTest = 40)]
    public void A_reopened_cache_holds_the_newest_keys_up_to_its_size(PositiveInt size, NonEmptyString[] keys)
    {
        var capacity = Math.Min(size.Get, 20);
        var name = Guid.NewGuid().ToString("N");
        var time = TimeProvider.System;
        var routed = new List<string>();
        using (var cache = new DeduplicationCache(capacity, defaultTtlMs: null, time, Open(name)))
        {
            foreach (var key in keys)
            {
                if (cache.TryAdd(key.Get, ttlMs: null))
                {
                    routed.Add(key.Get);
                }
            }
        }

        // The newest distinct keys routed, at most the size, are the ones still held.
        var expected = new List<string>();
        for (var i = routed.Count - 1; i >= 0 && expected.Count < capacity; i--)
        {
            if (!expected.Contains(routed[i]))
            {
                expected.Add(routed[i]);
            }
        }

        using var reopened = new DeduplicationCache(capacity, defaultTtlMs: null, time, Open(name));
        Assert.Equal(expected.Count, reopened.Count);
        foreach (var key in expected)
        {
            Assert.False(reopened.TryAdd(key, ttlMs: null), $"key '{key}' was forgotten");
        }
    }

    private IDeduplicationLog Open(string exchange) => new FileDeduplicationLogStore(_directory).Open("/", exchange);
}
