using System.Security.Cryptography;
using System.Text;
using Courier.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Courier.Storage.Keyed;

/// <summary>
/// Keeps each keyed log in its own file under <c>keyed/&lt;kind&gt;/</c> in the data directory,
/// named by a hash of its owner (a vhost name may be longer than a file name, or hold a slash).
/// Disposing the store commits and closes every log it opened. A log that cannot be created or
/// loaded because the disk refuses (full, failing) is refused with <see cref="StoreFailedException"/>,
/// to be opened again on the next ask.
/// </summary>
public sealed class FileKeyedLogStore(string dataDirectory, KeyedLogOptions options, ILogger logger) : IKeyedLogStore, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Kind, string Owner), FileKeyedLog> _open = [];
    private bool _disposed;

    /// <summary>The node's disk alarm, given to every log opened from now on (set before the first open).</summary>
    public IDiskSpaceAccount? DiskSpace { get; init; }

    public IKeyedLog Open(string kind, string owner)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_open.TryGetValue((kind, owner), out var log) && !log.IsClosed)
            {
                return log;
            }

            try
            {
                log = FileKeyedLog.Open(PathOf(kind, owner), options, logger);
            }
            catch (IOException e)
            {
                throw new StoreFailedException($"the {kind} log of {owner} could not be opened: {e.Message}", e);
            }

            log.DiskSpace = DiskSpace;
            _open[(kind, owner)] = log;
            return log;
        }
    }

    public string PathOf(string kind, string owner)
    {
        var directory = Path.Combine(dataDirectory, "keyed", kind);
        Directory.CreateDirectory(directory);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(owner));
        return Path.Combine(directory, Convert.ToHexStringLower(hash) + ".log");
    }

    public void Dispose()
    {
        FileKeyedLog[] logs;
        lock (_gate)
        {
            _disposed = true;
            logs = [.. _open.Values];
            _open.Clear();
        }

        foreach (var log in logs)
        {
            log.Dispose();
        }
    }
}
