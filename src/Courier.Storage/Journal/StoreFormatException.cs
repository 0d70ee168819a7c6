namespace Courier.Storage.Journal;

/// <summary>
/// The data directory is in a format this build must not read: written by a newer Courier, or
/// with a damaged header. The broker refuses to start with the message, which is one line.
/// </summary>
public sealed class StoreFormatException : Exception
{
    public StoreFormatException(string message)
        : base(message)
    {
    }

    public StoreFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StoreFormatException()
        : base("the data directory's format is not readable by this build")
    {
    }

    internal static StoreFormatException Newer(string what, int version) =>
        new($"{what} was written by a newer Courier (journal format {version}; this build reads up to {SegmentHeader.CurrentVersion}); refusing to start");
}
