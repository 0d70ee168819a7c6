
namespace Courier.Core.Storage;

/// <summary>A stored message in a segment being compacted, with every queue that still holds it.</summary>
internal sealed class RelocationCandidate(long messageId, StoredLocation location, bool paged)
{
    public long MessageId { get; } = messageId;

    public StoredLocation Location { get; } = location;

    /// <summary>A transient message paged out (it moves as a paged record, held by no durable queue).</summary>
    public bool Paged { get; } = paged;

    public List<IJournalHolder> Holders { get; } = [];

    /// <summary>Holders that delivered the message (its delivered mark must move too).</summary>
    public HashSet<IJournalHolder> DeliveredTo { get; } = [];
}
