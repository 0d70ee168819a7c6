using Courier.Amqp091.Framing;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

/// <summary>Encodes and decodes a field table on its own, outside any method or frame.</summary>
internal static class TableBytes
{
    public static byte[] Encode(IReadOnlyDictionary<string, object?> table)
    {
        var bytes = new byte[AmqpWriter.MeasureTable(table)];
        var writer = new AmqpWriter(bytes);
        writer.WriteTable(table);
        Assert.True(writer.Position == bytes.Length, $"the writer wrote {writer.Position} bytes but measured {bytes.Length}");
        return bytes;
    }

    public static IReadOnlyDictionary<string, object?> Decode(byte[] bytes)
    {
        var reader = new AmqpReader(bytes);
        var table = reader.ReadTable();
        Assert.True(reader.Remaining == 0, $"{reader.Remaining} bytes were left after the table");
        return table;
    }

    public static AmqpProtocolException DecodeFails(byte[] bytes) => Assert.Throws<AmqpProtocolException>(() =>
    {
        var reader = new AmqpReader(bytes);
        reader.ReadTable();
    });

    /// <summary><paramref name="depth"/> tables, each holding the next under "n"; the innermost holds one boolean.</summary>
    public static IReadOnlyDictionary<string, object?> NestedTables(int depth)
    {
        IReadOnlyDictionary<string, object?> table = new Dictionary<string, object?> { ["leaf"] = true };
        for (var level = 1; level < depth; level++)
        {
            table = new Dictionary<string, object?> { ["n"] = table };
        }

        return table;
    }

    /// <summary>A table holding arrays nested so that the table and its arrays make <paramref name="depth"/> levels.</summary>
    public static IReadOnlyDictionary<string, object?> NestedArrays(int depth)
    {
        IReadOnlyList<object?> array = new List<object?> { 1 };
        for (var level = 2; level < depth; level++)
        {
            array = new List<object?> { array };
        }

        return new Dictionary<string, object?> { ["a"] = array };
    }
}
