namespace Courier.Core.Storage;

/// <summary>The store could not write or sync, and accepts no more persistent writes.</summary>
public sealed class StoreFailedException : Exception
{
    public StoreFailedException(string message)
        : base(message)
    {
    }

    public StoreFailedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StoreFailedException()
        : base("the message store has failed")
    {
    }
}
