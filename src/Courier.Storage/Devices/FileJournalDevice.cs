using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Courier.Storage.Devices;

/// <summary>Segments as files named <c>00000001.seg</c> in one directory.</summary>
public sealed class FileJournalDevice : IJournalDevice
{
    private const string Extension = ".seg";
    private readonly string _directory;

    public FileJournalDevice(string directory)
    {
        _directory = directory;
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

    private sealed class SegmentFile : ISegmentFile
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
