using System.Runtime.InteropServices;

namespace Courier.Core.Storage;

/// <summary>
/// A reference to a message a store holds, as the store made it: the core keeps it, compares it and
/// passes it back (to load, settle or mark the message), and never reads anything out of it but
/// <see cref="Id"/>. What <see cref="Locator"/> and <see cref="Length"/> mean is the store's
/// business (the journal packs a segment and an offset into one and the record's size into the
/// other), so a store can change where and how it keeps messages without the core knowing.
/// </summary>
/// <remarks>A 20-byte value (packed to 4 bytes, so a paged entry holding one stays at 32 bytes): queues keep
/// millions of them in their paged backlogs without an object each.</remarks>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly struct MessageRef : IEquatable<MessageRef>
{
    public MessageRef(long id, long locator, int length)
    {
        Id = id;
        Locator = locator;
        Length = length;
    }

    /// <summary>The store's id of the message: the same for every reference to it, and kept when the store moves it. Never 0.</summary>
    public long Id { get; }

    /// <summary>Where the store finds the message; the store's to interpret.</summary>
    public long Locator { get; }

    /// <summary>About how many bytes loading the message reads (the store's measure; a read-ahead budgets by it).</summary>
    public int Length { get; }

    /// <summary>True for the default value: no stored message.</summary>
    public bool IsNone => Id == 0;

    public bool Equals(MessageRef other) => Id == other.Id && Locator == other.Locator && Length == other.Length;

    public override bool Equals(object? obj) => obj is MessageRef other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Id, Locator, Length);

    public static bool operator ==(MessageRef left, MessageRef right) => left.Equals(right);

    public static bool operator !=(MessageRef left, MessageRef right) => !left.Equals(right);

    public override string ToString() => $"message {Id} ({Locator:x}, {Length} B)";
}
