using System.Security.Cryptography;

namespace Courier.Server.Tls;

/// <summary>
/// A value loaded from files and loaded again when they change: every read of
/// <see cref="Current"/> (one per TLS handshake) first compares the files' modification time and
/// size with those last loaded, two or three <c>stat</c> calls, small beside the handshake's own
/// cryptography. New connections get the new value; open ones keep what they had.
/// </summary>
/// <remarks>
/// Files replaced one after the other (the certificate, then the key) are seen half-changed in
/// between: a set that does not load is reported once and the previous value stays in use until
/// the files change again. Checking on the handshake rather than watching the directory needs no
/// thread and no inotify watch, and sees a file replaced through a symbolic link (certbot's
/// <c>live/</c>, a Kubernetes secret's <c>..data</c>) as well as one rewritten in place.
/// </remarks>
internal sealed class ReloadingFiles<T>
    where T : class
{
    private readonly string[] _paths;
    private readonly Func<T> _load;
    private readonly Lock _gate = new();
    private T _current;
    private FileStamp[] _loaded;
    private FileStamp[]? _failed;

    /// <summary>Loads the value now; a failure here is the caller's (a configuration error at start).</summary>
    public ReloadingFiles(Func<T> load, params string[] paths)
    {
        _paths = paths;
        _load = load;
        _loaded = Stamps();
        _current = load();
    }

    /// <summary>Raised (under the lock) with the new value after a reload.</summary>
    public event Action<T>? Reloaded;

    /// <summary>Raised (under the lock) when changed files do not load; the previous value stays.</summary>
    public event Action<Exception>? ReloadFailed;

    /// <summary>The value for a new connection: loaded again first if the files changed.</summary>
    public T Current
    {
        get
        {
            var stamps = Stamps();
            lock (_gate)
            {
                if (!stamps.AsSpan().SequenceEqual(_loaded) && (_failed is null || !stamps.AsSpan().SequenceEqual(_failed)))
                {
                    Reload(stamps);
                }

                return _current;
            }
        }
    }

    private void Reload(FileStamp[] stamps)
    {
        try
        {
            _current = _load();
            _loaded = stamps;
            _failed = null;
            Reloaded?.Invoke(_current);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            _failed = stamps;
            ReloadFailed?.Invoke(e);
        }
    }

    private FileStamp[] Stamps()
    {
        var stamps = new FileStamp[_paths.Length];
        for (var i = 0; i < _paths.Length; i++)
        {
            var info = new FileInfo(_paths[i]);
            stamps[i] = info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : default;
        }

        return stamps;
    }

    /// <summary>What tells a changed file from the one loaded: its modification time and size.</summary>
    private readonly record struct FileStamp(DateTime LastWriteUtc, long Length);
}
