using System.Buffers.Binary;
using System.Text;
using Courier.Core.Deduplication;
using Courier.Storage.Devices;
using Courier.Storage.Journal;

namespace Courier.Storage.Deduplication;

/// <summary>
/// One exchange's de-duplication keys in an append-only file (format in docs/storage-format.md):
/// records of length, CRC-32C and payload (expiry, key), each appended and fsynced before the
/// publish that added it is confirmed.
/// </summary>
/// <remarks>
/// Loading stops at the first record that is short or fails its CRC (a write torn by a crash: its
/// publish was never confirmed), and the cache then rewrites the file from what it kept. A rewrite
/// goes to a temporary file that is synced and renamed over the log, and the directory synced, so a
/// crash leaves either the old log or the new one. Callers serialise access (the cache's lock).
/// </remarks>
internal sealed class FileDeduplicationLog(string path) : IDeduplicationLog
{
    private const int HeaderSize = 8; // payload length, CRC-32C of the payload
    private const int ExpirySize = 8;

    private FileStream? _append;

    public IReadOnlyList<DeduplicationEntry> Load()
    {
        var entries = new List<DeduplicationEntry>();
        if (!File.Exists(path))
        {
            return entries;
        }

        ReadOnlySpan<byte> data = File.ReadAllBytes(path);
        while (data.Length >= HeaderSize)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(data);
            if (length < ExpirySize || length > data.Length - HeaderSize)
            {
                break;
            }

            var payload = data.Slice(HeaderSize, length);
            if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(data[4..]))
            {
                break;
            }

            entries.Add(new DeduplicationEntry(Encoding.UTF8.GetString(payload[ExpirySize..]), BinaryPrimitives.ReadInt64LittleEndian(payload)));
            data = data[(HeaderSize + length)..];
        }

        return entries;
    }

    public void Append(in DeduplicationEntry entry)
    {
        _append ??= new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        var before = _append.Length;
        try
        {
            _append.Write(Encode(entry));
            _append.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // Disk full or failing: cut what the write left, so the records after it (once the
            // disk allows) are not behind a torn one that loading would stop at.
            CutTo(before);
            throw;
        }
    }

    public void Rewrite(IReadOnlyCollection<DeduplicationEntry> entries)
    {
        Close();
        var temporary = path + ".tmp";
        try
        {
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 64 * 1024);
            foreach (var entry in entries)
            {
                file.Write(Encode(entry));
            }

            file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // The log itself is untouched: it stays, longer than it needs to be.
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, path, overwrite: true);
        DirectorySync.Sync(Path.GetDirectoryName(path)!);
    }

    public void Delete()
    {
        Close();
        File.Delete(path);
        DirectorySync.Sync(Path.GetDirectoryName(path)!);
    }

    public void Dispose() => Close();

    private void Close()
    {
        _append?.Dispose();
        _append = null;
    }

    private void CutTo(long length)
    {
        try
        {
            _append!.SetLength(length);
        }
        catch (IOException)
        {
            // Loading stops at the torn record; nothing after it was confirmed either.
        }

        Close();
    }

    private static byte[] Encode(in DeduplicationEntry entry)
    {
        var keyLength = Encoding.UTF8.GetByteCount(entry.Key);
        var record = new byte[HeaderSize + ExpirySize + keyLength];
        var payload = record.AsSpan(HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(payload, entry.ExpiresAtUnixMs);
        Encoding.UTF8.GetBytes(entry.Key, payload[ExpirySize..]);
        BinaryPrimitives.WriteInt32LittleEndian(record, payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32C.Compute(payload));
        return record;
    }
}
