namespace Courier.Core.Storage;

/// <summary>
/// The core's side of compaction, which the store drives (<see cref="IMessageStore.Compact"/>):
/// only queues know which stored messages are still live (ready, paged, or out with a consumer),
/// so the store asks here instead of keeping a second index of its own.
/// </summary>
public interface IMessageHolders
{
    /// <summary>
    /// Finds every queue holding a reference <paramref name="relocation"/> selects, pauses those
    /// queues, hands the selected messages (each once, with all its holders) to
    /// <see cref="IMessageRelocation.Relocate"/>, and points every holder at the copies it returns.
    /// Returns how many messages moved.
    /// </summary>
    int Relocate(IMessageRelocation relocation);
}
