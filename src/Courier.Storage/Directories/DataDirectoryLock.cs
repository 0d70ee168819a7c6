namespace Courier.Storage.Directories;

/// <summary>
/// Holds <c>courier.lock</c> in the data directory for as long as a broker uses it, so that a second
/// broker started on the same directory (an overlapping restart, a stray instance) refuses to start
/// instead of recovering, upgrading or appending under the first one's open files.
/// </summary>
/// <remarks>
/// The file is opened with <see cref="FileShare.None"/>, which .NET turns into an exclusive
/// advisory lock on Unix: the kernel drops it when the process dies, SIGKILL included, so a crash
/// never leaves a stale lock behind. The file's content means nothing.
/// </remarks>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "courier.lock";

    private FileStream? _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, or throws <see cref="DataDirectoryInUseException"/> when another broker holds it.</summary>
    public static DataDirectoryLock Acquire(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.Combine(dataDir, FileName);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DataDirectoryInUseException($"the data directory {dataDir} is in use by another Courier ({path} is locked)", e);
        }
    }

    public void Dispose() => Interlocked.Exchange(ref _file, null)?.Dispose();
}

/// <summary>Another broker holds the data directory's lock; this one refuses to start (one line).</summary>
public sealed class DataDirectoryInUseException : IOException
{
    public DataDirectoryInUseException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public DataDirectoryInUseException()
    {
    }

    public DataDirectoryInUseException(string message)
        : base(message)
    {
    }
}
