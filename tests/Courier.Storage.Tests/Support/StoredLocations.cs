using Courier.Core.Storage;
using Courier.Storage.Journal;

namespace Courier.Storage.Tests.Support;

/// <summary>Where the journal put a stored or recovered message, read out of its reference (tests look at segments and offsets).</summary>
internal static class StoredLocations
{
    extension(StoredMessage stored)
    {
        public StoredLocation Location => StoredLocation.Of(stored.Ref);
    }

    extension(MessageRef reference)
    {
        public StoredLocation Location() => StoredLocation.Of(reference);
    }

    extension(RecoveredMessage recovered)
    {
        public StoredLocation Location => StoredLocation.Of(recovered.Ref);
    }
}
