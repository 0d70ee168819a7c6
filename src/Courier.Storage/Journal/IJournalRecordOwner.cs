using Courier.Core.Storage;

namespace Courier.Storage.Journal;

/// <summary>
/// A part of the node that keeps records of its own in the message journal (the delayed store),
/// so that they share its sequence numbers, group commits and segment release. Recovery scans the
/// journal once and hands it the records the message store does not read.
/// </summary>
public interface IJournalRecordOwner
{
    /// <summary>Recovery starts (the data directory is locked by now): the owner drops whatever it derived from the journal before.</summary>
    void BeginRecovery();

    /// <summary>One of the owner's records, in journal order, during recovery.</summary>
    void Replay(RecordType type, ReadOnlySpan<byte> payload, StoredLocation location);

    /// <summary>After the scan: adds the references the owner's live records hold, per segment, so those segments are kept.</summary>
    void AddReferences(Dictionary<int, (int References, long Bytes)> bySegment);
}
