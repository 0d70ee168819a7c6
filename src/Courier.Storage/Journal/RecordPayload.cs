namespace Courier.Storage.Journal;

/// <summary>
/// Checks on a record's payload before recovery reads its fields. A record that passed its CRC is
/// whole as written, so these fail only on a journal written by a faulty build or damaged in a way
/// the CRC missed; recovery then refuses to start with <see cref="InvalidDataException"/> rather than
/// reading out of bounds or misfiling messages (found by fuzzing, docs/fuzzing.md).
/// </summary>
internal static class RecordPayload
{
    public static void Require(ReadOnlySpan<byte> payload, int length, RecordType type, StoredLocation location)
    {
        if (payload.Length < length)
        {
            throw new InvalidDataException($"the {type} record at {location} is {payload.Length} bytes, shorter than its {length} bytes of fields; the journal is damaged, refusing to start");
        }
    }

    public static void RequireQueue(int queue, RecordType type, StoredLocation location)
    {
        if (queue < 0)
        {
            throw new InvalidDataException($"the {type} record at {location} names queue {queue}; the journal is damaged, refusing to start");
        }
    }
}
