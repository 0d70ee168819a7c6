using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Unicode;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Keyed;

/// <summary>Opening a log: the header checked (or written), every record replayed into the index, a torn tail cut.</summary>
public sealed partial class FileKeyedLog
{
    private const int ReadChunk = 1024 * 1024;

    /// <summary>Opens (creating it if needed) and loads the log at <paramref name="path"/>, and starts its commit loop.</summary>
    public static FileKeyedLog Open(string path, KeyedLogOptions options, ILogger logger)
    {
        var file = OpenFile(path, options);
        var log = new FileKeyedLog(path, options, logger, file);
        try
        {
            log.Load();
        }
        catch
        {
            file.Dispose();
            throw;
        }

        log.StartLoop();
        return log;
    }

    private static ISegmentFile OpenFile(string path, KeyedLogOptions options) =>
        options.OpenFile?.Invoke(path) ?? new FileJournalDevice.SegmentFile(path);

    internal static void WriteFileHeader(Span<byte> header)
    {
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], FormatVersion);
    }

    private void Load()
    {
        var stopwatch = Stopwatch.StartNew();
        var length = _file.Length;
        if (length < FileHeaderSize)
        {
            // New, or torn as it was created: it holds nothing.
            Span<byte> header = stackalloc byte[FileHeaderSize];
            WriteFileHeader(header);
            _file.Truncate(0);
            _file.Write(0, header);
            if (_options.SyncToDisk)
            {
                _file.Flush();
            }

            DirectorySync.Sync(Path.GetDirectoryName(Path.GetFullPath(_path))!);
            _written = FileHeaderSize;
            return;
        }

        CheckHeader();
        var end = Replay(length);
        if (end < length)
        {
            KeyedLogLog.Truncated(_logger, _path, end, length - end);
            _file.Truncate(end);
        }

        _written = end;
        KeyedLogLog.Loaded(_logger, _path, stopwatch.ElapsedMilliseconds, _index.Count, end);
    }

    private void CheckHeader()
    {
        Span<byte> header = stackalloc byte[FileHeaderSize];
        ReadExactly(header, 0);
        if (!header[..4].SequenceEqual(Magic))
        {
            throw new StoreFormatException($"{_path} is not a keyed log (bad magic); refusing to start");
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (version != FormatVersion)
        {
            throw new StoreFormatException($"{_path} is keyed log format {version}; this build reads {FormatVersion}; refusing to start");
        }
    }

    /// <summary>Applies every intact record from the header on; returns the offset just past the last one.</summary>
    private long Replay(long length)
    {
        // No larger than the file: a vhost's small log does not cost a whole chunk to load.
        var buffer = new byte[(int)Math.Clamp(length - FileHeaderSize, RecordPrefix, ReadChunk)];
        var bufferStart = (long)FileHeaderSize; // file offset of buffer[0]
        var filled = 0;
        var offset = (long)FileHeaderSize;     // file offset of the next record
        while (true)
        {
            var at = (int)(offset - bufferStart);
            var available = filled - at;
            var complete = false;
            var size = available >= RecordPrefix ? MeasureRecord(buffer.AsSpan(at, available), out complete) : 0;
            if (size > 0 && complete)
            {
                Apply(buffer.AsSpan(at, size), offset);
                offset += size;
                continue;
            }

            if (available >= RecordPrefix && size == 0)
            {
                return offset; // damaged: cut here
            }

            // Need more bytes: slide what is left to the front, grow for a large record, read on.
            var needed = Math.Max(size, RecordPrefix);
            if (bufferStart + filled >= length || offset + needed > length)
            {
                return offset; // torn tail
            }

            buffer.AsSpan(at, available).CopyTo(buffer);
            bufferStart = offset;
            filled = available;
            if (needed > buffer.Length)
            {
                Array.Resize(ref buffer, needed);
            }

            var toRead = (int)Math.Min(buffer.Length - filled, length - (bufferStart + filled));
            ReadExactly(buffer.AsSpan(filled, toRead), bufferStart + filled);
            filled += toRead;
        }
    }

    /// <summary>
    /// The size the record at the start of <paramref name="data"/> declares (0 when its header is
    /// impossible); <paramref name="complete"/> when all of it is there and intact.
    /// </summary>
    private static int MeasureRecord(ReadOnlySpan<byte> data, out bool complete)
    {
        complete = false;
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (declared < RecordHeaderSize - RecordPrefix || declared > int.MaxValue - RecordPrefix)
        {
            return 0;
        }

        var size = RecordPrefix + (int)declared;
        if (data.Length < size)
        {
            return size;
        }

        var body = data.Slice(RecordPrefix, (int)declared);
        if (Crc32C.Compute(body) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
        {
            return 0;
        }

        var type = body[0];
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(body[1..]);
        var fits = type switch
        {
            PutRecord => 3 + keyLength <= body.Length,
            RemoveRecord => 3 + keyLength == body.Length,
            _ => false,
        };

        // A key is written as UTF-8 from a string: one that is not could not be read back as
        // the same bytes (found by fuzzing: a replaced byte made the value's offset wrong).
        fits = fits && Utf8.IsValid(body.Slice(3, keyLength));
        complete = fits;
        return fits ? size : 0;
    }

    private void Apply(ReadOnlySpan<byte> record, long offset)
    {
        var keyLength = BinaryPrimitives.ReadUInt16LittleEndian(record[(RecordPrefix + 1)..]);
        var key = Encoding.UTF8.GetString(record.Slice(RecordHeaderSize, keyLength));
        if (_index.Remove(key, out var previous))
        {
            _liveBytes -= previous.Length;
        }

        if (record[RecordPrefix] == PutRecord)
        {
            _index[key] = new Slot(offset, record.Length);
            _liveBytes += record.Length;
        }
    }
}
