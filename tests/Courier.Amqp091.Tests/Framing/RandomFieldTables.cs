using Courier.Core.Messages;
using FsCheck;
using FsCheck.Fluent;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>A generated field table; <see cref="ToString"/> prints it so a failing case can be read.</summary>
public sealed record RandomTable(IReadOnlyDictionary<string, object?> Table)
{
    public override string ToString() => Describe(Table);

    private static string Describe(object? value) => value switch
    {
        null => "null",
        byte[] bytes => $"S[{Convert.ToHexString(bytes)}]",
        BinaryValue binary => $"x[{Convert.ToHexString(binary.Bytes)}]",
        IReadOnlyDictionary<string, object?> table => "{" + string.Join(", ", table.Select(e => $"\"{e.Key}\": {Describe(e.Value)}")) + "}",
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Describe)) + "]",
        _ => $"{value.GetType().Name}:{value}",
    };
}

/// <summary>
/// FsCheck generators for tables holding every value type a table can carry, nested a few levels.
/// Strings travel as long strings and come back as bytes, so the generator produces byte arrays for 'S'.
/// </summary>
public static class RandomFieldTables
{
    private const int MaxDepth = 3;

    // Fragments of one to four UTF-8 bytes; keys are joined from at most 60 of them, so stay within 255 bytes.
    private static readonly string[] KeyFragments = ["a", "Z", "0", "-", "_", ".", " ", "x-", "\u00e9", "\u4e2d", "\U0001F600"];

    public static Arbitrary<RandomTable> Tables() =>
        Arb.From(Gen.Sized(size => Table(Math.Min(size, 20), MaxDepth)).Select(table => new RandomTable(table)));

    private static Gen<IReadOnlyDictionary<string, object?>> Table(int size, int depth) =>
        from count in Gen.Choose(0, size)
        from entries in Gen.ListOf(Gen.Zip(Key, Value(size / 2, depth)), count)
        select ToTable(entries);

    private static IReadOnlyDictionary<string, object?> ToTable(IEnumerable<(string Key, object? Value)> entries)
    {
        var table = new Dictionary<string, object?>();
        foreach (var (key, value) in entries)
        {
            table[key] = value;
        }

        return table;
    }

    private static Gen<string> Key =>
        from length in Gen.Choose(0, 60)
        from fragments in Gen.ListOf(Gen.Elements(KeyFragments), length)
        select string.Concat(fragments);

    private static Gen<int> Int32 => Gen.OneOf(
        Gen.Elements(int.MinValue, -1, 0, 1, int.MaxValue),
        Gen.Choose(int.MinValue, int.MaxValue));

    private static Gen<long> Int64 => Gen.Zip(Int32, Int32).Select(pair => ((long)pair.Item1 << 32) | (uint)pair.Item2);

    private static Gen<byte[]> Bytes =>
        from length in Gen.Choose(0, 40)
        from bytes in Gen.ListOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
        select bytes.ToArray();

    private static Gen<decimal> Decimal =>
        from unscaled in Int32
        from scale in Gen.Choose(0, 28)
        select new decimal(unchecked((int)(uint)Math.Abs((long)unscaled)), 0, 0, unscaled < 0, (byte)scale);

    private static Gen<object?> Value(int size, int depth)
    {
        List<Gen<object?>> choices =
        [
            Gen.Elements(true, false).Select(v => (object?)v),
            Int32.Select(v => (object?)(sbyte)v),
            Int32.Select(v => (object?)(byte)v),
            Int32.Select(v => (object?)(short)v),
            Int32.Select(v => (object?)(ushort)v),
            Int32.Select(v => (object?)v),
            Int32.Select(v => (object?)(uint)v),
            Int64.Select(v => (object?)v),
            // Floating point from raw bits, so NaN payloads, infinities and subnormals turn up too.
            Int32.Select(v => (object?)BitConverter.Int32BitsToSingle(v)),
            Int64.Select(v => (object?)BitConverter.Int64BitsToDouble(v)),
            Decimal.Select(v => (object?)v),
            Bytes.Select(v => (object?)v),
            Bytes.Select(v => (object?)new BinaryValue(v)),
            Int64.Select(v => (object?)new Timestamp(v)),
            Gen.Constant<object?>(null),
        ];

        if (depth > 0)
        {
            choices.Add(Table(size, depth - 1).Select(v => (object?)v));
            choices.Add(
                from count in Gen.Choose(0, size)
                from items in Gen.ListOf(Value(size / 2, depth - 1), count)
                select (object?)items.ToList());
        }

        return Gen.OneOf(choices);
    }
}
