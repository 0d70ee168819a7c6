namespace Courier.Core.Deduplication;

/// <summary>A de-duplication key and when it stops counting (Unix milliseconds, 0 for never).</summary>
public readonly record struct DeduplicationEntry(string Key, long ExpiresAtUnixMs)
{
    public bool IsExpiredAt(long nowUnixMs) => ExpiresAtUnixMs != 0 && ExpiresAtUnixMs <= nowUnixMs;
}
