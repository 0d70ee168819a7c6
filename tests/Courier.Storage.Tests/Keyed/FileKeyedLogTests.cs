using System.Text;
using Courier.Core.Storage;
using Courier.Storage.Keyed;
using Courier.Storage.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Keyed;

/// <summary>
/// The keyed last-write-wins log: what is put reads back, across a reopen; the last put of a key
/// wins and a remove clears it; a torn tail loses only changes never reported durable; compaction
/// keeps one record per live key; and a random run of puts and removes matches a dictionary.
/// </summary>
public sealed class FileKeyedLogTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-keyed-" + Guid.NewGuid().ToString("N"));

    public FileKeyedLogTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Values_put_read_back_before_and_after_a_reopen()
    {
        var path = PathOf("round-trip");
        using (var log = Open(path))
        {
            log.Put("a/b", "one"u8);
            log.Put("a/c", []);
            log.Put("ünïcode/topic", "two"u8);
            Assert.Equal("one", Text(log.Read("a/b")));
            Assert.Equal(3, log.Count);
        }

        using var reopened = Open(path);
        Assert.Equal("one", Text(reopened.Read("a/b")));
        Assert.Equal(string.Empty, Text(reopened.Read("a/c")));
        Assert.Equal("two", Text(reopened.Read("ünïcode/topic")));
        Assert.Null(reopened.Read("missing"));
        Assert.Equal(["a/b", "a/c", "ünïcode/topic"], reopened.CopyKeys().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_last_put_of_a_key_wins_and_a_remove_clears_it()
    {
        var path = PathOf("overwrite");
        using (var log = Open(path))
        {
            log.Put("k", "first"u8);
            log.Put("k", "second"u8);
            log.Put("gone", "x"u8);
            log.Remove("gone");
            Assert.Equal("second", Text(log.Read("k")));
            Assert.Null(log.Read("gone"));
        }

        using var reopened = Open(path);
        Assert.Equal("second", Text(reopened.Read("k")));
        Assert.Null(reopened.Read("gone"));
        Assert.Equal(1, reopened.Count);
    }

    [Fact]
    public async Task A_change_is_reported_durable_only_after_its_batch_is_written()
    {
        var path = PathOf("durable");
        using var log = Open(path);
        var sequence = log.Put("k", "v"u8);
        var probe = new Probe();
        log.WhenDurable(sequence, probe);
        Assert.True(await probe.Durable.Task.WaitAsync(TimeSpan.FromSeconds(30)) >= sequence);

        // What was reported durable is in the file, whatever happens to the process after.
        var copy = path + ".copy";
        File.Copy(path, copy);
        using var fromCopy = Open(copy);
        Assert.Equal("v", Text(fromCopy.Read("k")));
    }

    [Fact]
    public void A_torn_or_damaged_tail_is_cut_and_the_records_before_it_kept()
    {
        var path = PathOf("torn");
        using (var log = Open(path))
        {
            log.Put("first", "kept"u8);
            log.Put("second", "torn"u8);
        }

        var bytes = File.ReadAllBytes(path);
        var second = FileKeyedLog.RecordHeaderSize + "second".Length + "torn".Length;
        for (var cut = 1; cut <= second; cut++)
        {
            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - cut).ToArray());
            using var log = Open(path);
            Assert.Equal(["first"], log.CopyKeys());
            Assert.Equal("kept", Text(log.Read("first")));
        }

        // A flipped bit in the last record fails its CRC: cut there too, and the file truncated.
        var damaged = bytes.ToArray();
        damaged[^1] ^= 0x40;
        File.WriteAllBytes(path, damaged);
        using (var log = Open(path))
        {
            Assert.Equal(["first"], log.CopyKeys());
            log.Put("third", "after the cut"u8);
        }

        using var reopened = Open(path);
        Assert.Equal(["first", "third"], reopened.CopyKeys().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_record_whose_key_is_not_UTF8_is_cut_like_a_damaged_one()
    {
        // Found by fuzzing (fuzz/corpus/keyed-log/finding-*): a key of invalid UTF-8 with a right
        // CRC was read back as a string with replacement characters, longer in UTF-8 than the
        // key written, and reading its value threw OverflowException.
        var path = PathOf("bad-key");
        using (var log = Open(path))
        {
            log.Put("kept", "value"u8);
        }

        byte[] key = [0xFF, 0xFE, 0x41];
        var record = new byte[FileKeyedLog.RecordHeaderSize + key.Length + 5];
        record[FileKeyedLog.RecordPrefix] = FileKeyedLog.PutRecord;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(FileKeyedLog.RecordPrefix + 1), (ushort)key.Length);
        key.CopyTo(record, FileKeyedLog.RecordHeaderSize);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(record.Length - FileKeyedLog.RecordPrefix));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Courier.Storage.Journal.Crc32C.Compute(record.AsSpan(FileKeyedLog.RecordPrefix)));
        using (var file = new FileStream(path, FileMode.Append))
        {
            file.Write(record);
        }

        using var reopened = Open(path);
        Assert.Equal(["kept"], reopened.CopyKeys());
        Assert.Equal("value", Text(reopened.Read("kept")));
    }

    [Fact]
    public void Loading_a_small_log_does_not_allocate_a_whole_read_chunk()
    {
        // Found by fuzzing (the allocation budget): a log of a few hundred bytes was read through a 1 MiB buffer.
        var path = PathOf("small");
        using (var log = Open(path))
        {
            log.Put("k", "v"u8);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var reopened = Open(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 512 * 1024, $"loading a {new FileInfo(path).Length}-byte log allocated {allocated} bytes");
    }

    [Fact]
    public void A_file_torn_as_it_was_created_opens_empty()
    {
        var path = PathOf("created");
        File.WriteAllBytes(path, [(byte)'C', (byte)'K']);
        using var log = Open(path);
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void A_file_that_is_not_a_keyed_log_is_refused()
    {
        var path = PathOf("foreign");
        File.WriteAllBytes(path, "not a keyed log at all"u8.ToArray());
        Assert.Throws<Courier.Storage.Journal.StoreFormatException>(() => Open(path));
    }

    [Fact]
    public void Compaction_keeps_one_record_per_live_key()
    {
        var path = PathOf("compact");
        var value = new byte[100];
        using (var log = Open(path))
        {
            for (var i = 0; i < 10_000; i++)
            {
                value[0] = (byte)i;
                log.Put("hot/topic", value);
                log.Put("churn/" + (i % 7), value);
                log.Remove("churn/" + (i % 7));
            }

            log.Put("cold", "c"u8);
            log.Compact();
            var oneRecordEach = FileKeyedLog.FileHeaderSize
                + FileKeyedLog.RecordHeaderSize + "hot/topic".Length + value.Length
                + FileKeyedLog.RecordHeaderSize + "cold".Length + 1;
            Assert.Equal(oneRecordEach, log.Length);
            Assert.Equal((byte)(9_999 % 256), log.Read("hot/topic")![0]);
        }

        Assert.Equal(FileKeyedLog.FileHeaderSize + (2 * FileKeyedLog.RecordHeaderSize) + "hot/topic".Length + value.Length + "cold".Length + 1, new FileInfo(path).Length);
        using var reopened = Open(path);
        Assert.Equal(["cold", "hot/topic"], reopened.CopyKeys().Order(StringComparer.Ordinal));
        Assert.Equal((byte)(9_999 % 256), reopened.Read("hot/topic")![0]);
    }

    [Fact]
    public async Task The_log_compacts_itself_once_it_is_mostly_overwritten()
    {
        var path = PathOf("self-compacting");
        using var log = Open(path, new KeyedLogOptions { CompactionMinBytes = 64 * 1024 });
        var value = new byte[100];
        for (var i = 0; i < 20_000; i++)
        {
            log.Put("t/" + (i % 10), value);
        }

        // 20,000 puts of ~115 bytes: 2.3 MB written, 10 keys live; the file stays near the threshold.
        await Eventually.True(() => log.Length < 2 * 64 * 1024, "the log has compacted itself");
        Assert.Equal(10, log.Count);
    }

    [Fact]
    public void Delete_removes_the_file()
    {
        var path = PathOf("deleted");
        var log = Open(path);
        log.Put("k", "v"u8);
        log.Delete();
        Assert.False(File.Exists(path));
        Assert.Throws<StoreFailedException>(() => log.Put("k", "v"u8));
    }

    public enum Change
    {
        Put,
        Remove,
        Reopen,
        Compact,
    }

    [Property(MaxTest = 40)]
    public void Random_puts_and_removes_match_a_dictionary_across_reopens(NonEmptyArray<(Change Change, byte Key, byte Value)> changes)
    {
        var path = PathOf("model-" + Guid.NewGuid().ToString("N"));
        var model = new Dictionary<string, byte[]>();
        var log = Open(path, new KeyedLogOptions { CompactionMinBytes = 256 });
        try
        {
            foreach (var (change, keyByte, valueByte) in changes.Get)
            {
                var key = "k/" + (keyByte % 16);
                switch (change)
                {
                    case Change.Put:
                        var value = Enumerable.Repeat(valueByte, valueByte % 40).ToArray();
                        log.Put(key, value);
                        model[key] = value;
                        break;
                    case Change.Remove:
                        log.Remove(key);
                        model.Remove(key);
                        break;
                    case Change.Reopen:
                        log.Dispose();
                        log = Open(path, new KeyedLogOptions { CompactionMinBytes = 256 });
                        break;
                    case Change.Compact:
                        log.Compact();
                        break;
                }

                Assert.Equal(model.Count, log.Count);
            }

            log.Dispose();
            log = Open(path);
            Assert.Equal(model.Keys.Order(StringComparer.Ordinal), log.CopyKeys().Order(StringComparer.Ordinal));
            foreach (var (key, value) in model)
            {
                Assert.Equal(value, log.Read(key));
            }
        }
        finally
        {
            log.Dispose();
        }
    }

    private static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value);

    private string PathOf(string name) => Path.Combine(_directory, name + ".log");

    private static FileKeyedLog Open(string path, KeyedLogOptions? options = null) =>
        FileKeyedLog.Open(path, options ?? new KeyedLogOptions(), NullLogger.Instance);

    private sealed class Probe : IDurabilityWaiter
    {
        public TaskCompletionSource<long> Durable { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnDurable(long sequence) => Durable.TrySetResult(sequence);

        public void OnStoreFailed() => Durable.TrySetException(new StoreFailedException());
    }
}
