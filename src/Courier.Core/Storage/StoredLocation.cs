namespace Courier.Core.Storage;

/// <summary>Where a stored message's record lives in the journal: segment number, byte offset and record length.</summary>
public readonly record struct StoredLocation(int Segment, int Offset, int Length);
