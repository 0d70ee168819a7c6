using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Courier.Storage.Devices;

/// <summary>
/// Segments as files named <c>00000001.seg</c> in one directory, with the store identity in
/// <c>store.id</c> beside them.
/// </summary>
/// <remarks>
/// An upgrade is written to <c>journal.upgrade</c> next to the directory; completing it renames
/// the directory to <c>journal.legacy</c>, <c>journal.upgrade</c> to the directory, and deletes the
/// legacy copy, syncing the parent after each rename. <see cref="ReadIdentity"/> (the first thing a
/// recovery does) finishes a switch that a crash interrupted: a complete upgrade has its
/// <c>store.id</c>, which is written last.
/// </remarks>
public sealed class FileJournalDevice : IJournalDevice
{
    private const string Extension = ".seg";
    private const string IdentityFile = "store.id";
    private readonly string _directory;

    public FileJournalDevice(string directory)
    {
        _directory = Path.GetFullPath(directory);
    }

    private string UpgradeDirectory => _directory + ".upgrade";

    private string LegacyDirectory => _directory + ".legacy";

    private string Parent => Path.GetDirectoryName(_directory)!;

    public byte[]? ReadIdentity()
    {
        FinishInterruptedSwitch();
        var path = Path.Combine(_directory, IdentityFile);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    public void WriteIdentity(ReadOnlySpan<byte> identity)
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, IdentityFile);
        using (var stream = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(identity);
            stream.Flush(flushToDisk: true);
        }

        File.Move(path + ".tmp", path, overwrite: true);
        DirectorySync.Sync(_directory);
    }

    public IJournalDevice BeginUpgrade()
    {
        if (Directory.Exists(UpgradeDirectory))
        {
            Directory.Delete(UpgradeDirectory, recursive: true);
        }

        Directory.CreateDirectory(UpgradeDirectory);
        DirectorySync.Sync(Parent);
        return new FileJournalDevice(UpgradeDirectory);
    }

    public void CompleteUpgrade()
    {
        DirectorySync.Sync(UpgradeDirectory);
        Directory.Move(_directory, LegacyDirectory);
        DirectorySync.Sync(Parent);
        FinishInterruptedSwitch();
    }

    private void FinishInterruptedSwitch()
    {
        if (!Directory.Exists(_directory) && File.Exists(Path.Combine(UpgradeDirectory, IdentityFile)))
        {
            Directory.Move(UpgradeDirectory, _directory);
            DirectorySync.Sync(Parent);
        }

        if (File.Exists(Path.Combine(_directory, IdentityFile)))
        {
            // The new journal is in place: what is left of the old one, or of an abandoned copy, goes.
            foreach (var leftover in (string[])[LegacyDirectory, UpgradeDirectory])
            {
                if (Directory.Exists(leftover))
                {
                    Directory.Delete(leftover, recursive: true);
                }
            }
        }
    }

    public IReadOnlyList<int> ListSegments()
    {
        Directory.CreateDirectory(_directory);
        var segments = new List<int>();
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                segments.Add(id);
            }
        }

        segments.Sort();
        return segments;
    }

    public ISegmentFile Open(int segment)
    {
        Directory.CreateDirectory(_directory);
        var path = PathOf(segment);
        var created = !File.Exists(path);
        var file = new SegmentFile(path);
        if (created)
        {
            // fsync of a new file does not promise its directory entry survives a power loss:
            // sync the directory too, before anything in the file is reported durable.
            DirectorySync.Sync(_directory);
        }

        return file;
    }

    public void Delete(int segment)
    {
        File.Delete(PathOf(segment));
        DirectorySync.Sync(_directory);
    }

    private string PathOf(int segment) => Path.Combine(_directory, segment.ToString("D8", CultureInfo.InvariantCulture) + Extension);

    /// <summary>One file read and written by position (the keyed logs use it too).</summary>
    internal sealed class SegmentFile : ISegmentFile
    {
        private readonly FileStream _stream;
        private readonly SafeFileHandle _handle;

        public SegmentFile(string path)
        {
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0, FileOptions.None);
            _handle = _stream.SafeFileHandle;
        }

        public long Length => RandomAccess.GetLength(_handle);

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_handle, data, offset);

        public void Flush() => _stream.Flush(flushToDisk: true);

        public int Read(long offset, Span<byte> buffer)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = RandomAccess.Read(_handle, buffer[total..], offset + total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            return total;
        }

        public void Truncate(long length)
        {
            _stream.SetLength(length);
            _stream.Flush(flushToDisk: true);
        }

        public void Dispose() => _stream.Dispose();
    }
}
