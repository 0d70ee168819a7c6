using Courier.Core.Deduplication;
using Courier.Core.Storage;

namespace Courier.Storage.Tests.Deduplication;

/// <summary>
/// A disk-persistent de-duplication cache on a disk that refuses its writes (issue 13): the
/// publish whose key cannot be saved is refused with a store error (AMQP basic.nack, MQTT 0x80),
/// the key is not remembered (so the publisher's retry is not dropped as a duplicate), a rewrite
/// the disk refuses leaves the log as it was, and it works again once the disk allows.
/// </summary>
public sealed class DeduplicationDiskFullTests
{
    [Fact]
    public void A_key_the_disk_refuses_is_refused_and_not_remembered_and_saved_once_the_disk_allows()
    {
        var log = new RefusingLog();
        using var cache = new DeduplicationCache(size: 2, defaultTtlMs: null, TimeProvider.System, log);
        Assert.True(cache.TryAdd("first", null));

        // 1. The disk refuses: the publish is refused, and the key is not held.
        log.Full = true;
        Assert.Throws<StoreFailedException>(() => cache.TryAdd("second", null));
        Assert.Equal(1, cache.Count);

        // 2. A rewrite refused (the log holds twice the cache's size) does not fail the publish.
        log.Full = false;
        log.RefuseRewrites = true;
        Assert.True(cache.TryAdd("second", null));
        Assert.True(cache.TryAdd("third", null));
        Assert.True(cache.TryAdd("fourth", null));
        Assert.True(cache.TryAdd("fifth", null));
        Assert.True(log.RewritesRefused > 0, "no rewrite was attempted");

        // 3. The retry of the refused key is taken, not dropped as a duplicate, and a real
        //    duplicate still is.
        Assert.False(cache.TryAdd("fifth", null));
        Assert.Equal(["first", "second", "third", "fourth", "fifth"], log.Appended);
    }

    /// <summary>A log whose appends fail with ENOSPC while <see cref="Full"/>.</summary>
    private sealed class RefusingLog : IDeduplicationLog
    {
        public bool Full { get; set; }

        public bool RefuseRewrites { get; set; }

        public int RewritesRefused { get; private set; }

        public List<string> Appended { get; } = [];

        public IReadOnlyList<DeduplicationEntry> Load() => [];

        public void Append(in DeduplicationEntry entry)
        {
            if (Full)
            {
                throw new IOException("No space left on device (injected)", 28);
            }

            Appended.Add(entry.Key);
        }

        public void Rewrite(IReadOnlyCollection<DeduplicationEntry> entries)
        {
            if (RefuseRewrites)
            {
                RewritesRefused++;
                throw new IOException("No space left on device (injected)", 28);
            }
        }

        public void Delete()
        {
        }

        public void Dispose()
        {
        }
    }
}
