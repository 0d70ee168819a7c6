using Courier.Core.Storage;

namespace Courier.Storage.Journal;

/// <summary>Where a record lives in a segment log: segment number, byte offset and record length.</summary>
public readonly record struct StoredLocation(int Segment, int Offset, int Length)
{
    /// <summary>The location packed into a core <see cref="MessageRef"/> for message <paramref name="id"/>.</summary>
    public MessageRef ToRef(long id) => new(id, ((long)Segment << 32) | (uint)Offset, Length);

    /// <summary>The location a <see cref="MessageRef"/> made by <see cref="ToRef"/> names.</summary>
    public static StoredLocation Of(MessageRef reference) =>
        new((int)(reference.Locator >> 32), (int)(uint)reference.Locator, reference.Length);
}
