using System.Text;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class FieldTableTests
{
    /// <summary>One value per RabbitMQ type letter, chosen away from zero so a dropped byte shows.</summary>
    private static readonly Dictionary<char, object?> SampleByTypeLetter = new()
    {
        ['t'] = true,
        ['b'] = (sbyte)-5,
        ['B'] = (byte)250,
        ['s'] = (short)-12_345,
        ['u'] = (ushort)54_321,
        ['I'] = -2_000_000_000,
        ['i'] = 0xFEDC_BA98u,
        ['l'] = long.MinValue + 7,
        ['f'] = 3.5f,
        ['d'] = -2.25e300,
        ['D'] = -123.45m,
        ['S'] = "h\u00e9llo"u8.ToArray(),
        ['x'] = new BinaryValue([0, 1, 255]),
        ['T'] = new Timestamp(1_700_000_000),
        ['F'] = new Dictionary<string, object?> { ["inner"] = 1 },
        ['A'] = new List<object?> { 1, "two"u8.ToArray() },
        ['V'] = null,
    };

    public static TheoryData<char> TypeLetters() => [.. SampleByTypeLetter.Keys];

    [Theory]
    [MemberData(nameof(TypeLetters))]
    public void Every_field_type_round_trips_under_its_rabbitmq_type_letter(char letter)
    {
        var value = SampleByTypeLetter[letter];
        var table = new Dictionary<string, object?> { ["k"] = value };

        var bytes = TableBytes.Encode(table);
        var decoded = TableBytes.Decode(bytes);

        // Table length (4), key length (1), "k", then the type letter.
        Assert.Equal((byte)letter, bytes[6]);
        var single = Assert.Single(decoded);
        Assert.Equal("k", single.Key);
        switch (value)
        {
            case null: Assert.Null(single.Value); break;
            case IReadOnlyDictionary<string, object?>: Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(single.Value); break;
            case IReadOnlyList<object?>: Assert.IsAssignableFrom<IReadOnlyList<object?>>(single.Value); break;
            default: Assert.IsType(value.GetType(), single.Value); break;
        }

        Assert.True(FieldTable.ValueEquals(value, single.Value), $"'{letter}' decoded as {single.Value}");
    }

    [Fact]
    public void All_field_types_round_trip_together_in_one_table()
    {
        var table = SampleByTypeLetter.ToDictionary(entry => $"type-{entry.Key}", entry => entry.Value);

        var decoded = TableBytes.Decode(TableBytes.Encode(table));

        Assert.True(FieldTable.TableEquals(table, decoded));
    }

    [Fact]
    public void Values_are_written_big_endian_as_the_spec_lays_them_out()
    {
        var table = new Dictionary<string, object?> { ["I"] = -2, ["D"] = -123.45m, ["T"] = new Timestamp(0x0102030405060708) };

        var bytes = TableBytes.Encode(table);

        byte[] expected =
        [
            0, 0, 0, 26,
            1, (byte)'I', (byte)'I', 0xFF, 0xFF, 0xFF, 0xFE,
            1, (byte)'D', (byte)'D', 2, 0xFF, 0xFF, 0xCF, 0xC7, // scale 2, unscaled -12345
            1, (byte)'T', (byte)'T', 1, 2, 3, 4, 5, 6, 7, 8,
        ];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void A_string_value_is_sent_as_a_long_string_and_read_back_as_its_utf8_bytes()
    {
        var table = new Dictionary<string, object?> { ["text"] = "gr\u00fc\u00df \u4e2d" };

        var decoded = TableBytes.Decode(TableBytes.Encode(table));

        var bytes = Assert.IsType<byte[]>(decoded["text"]);
        Assert.Equal(Encoding.UTF8.GetBytes("gr\u00fc\u00df \u4e2d"), bytes);
        Assert.Equal("gr\u00fc\u00df \u4e2d", FieldTable.GetString(decoded, "text"));
    }

    [Fact]
    public void Nested_tables_and_arrays_round_trip()
    {
        var table = new Dictionary<string, object?>
        {
            ["empty-table"] = new Dictionary<string, object?>(),
            ["empty-array"] = new List<object?>(),
            ["tables-in-an-array"] = new List<object?>
            {
                new Dictionary<string, object?> { ["a"] = 1, ["b"] = new List<object?> { null, true } },
                new Dictionary<string, object?>(),
            },
            ["arrays-in-a-table"] = new Dictionary<string, object?>
            {
                ["deeper"] = new Dictionary<string, object?> { ["list"] = new List<object?> { new List<object?> { 1L, 2.5 } } },
                ["x-death"] = new List<object?> { new Dictionary<string, object?> { ["count"] = 3L, ["time"] = new Timestamp(9) } },
            },
        };

        var decoded = TableBytes.Decode(TableBytes.Encode(table));

        Assert.True(FieldTable.TableEquals(table, decoded));
    }

    [Theory]
    [InlineData(-2_147_483_648, 0)]
    [InlineData(2_147_483_647, 0)]
    [InlineData(1, 28)]
    [InlineData(-1, 28)]
    [InlineData(0, 5)]
    public void Decimals_round_trip_across_the_32_bit_range_and_every_scale(int unscaled, byte scale)
    {
        var value = new decimal(unchecked((int)(uint)Math.Abs((long)unscaled)), 0, 0, unscaled < 0, scale);
        var table = new Dictionary<string, object?> { ["d"] = value };

        var decoded = TableBytes.Decode(TableBytes.Encode(table));

        Assert.Equal(value, Assert.IsType<decimal>(decoded["d"]));
    }

    [Fact]
    public void A_decimal_wider_than_32_bits_is_refused_by_the_writer()
    {
        var table = new Dictionary<string, object?> { ["d"] = 2_147_483_648m };

        Assert.Throws<ArgumentException>(() => TableBytes.Encode(table));
    }

    [Fact]
    public void A_key_of_255_utf8_bytes_is_written_and_one_of_256_is_left_out()
    {
        // Only another protocol's headers can have such a key (an MQTT 5 user property's name):
        // the AMQP side leaves that entry out rather than fail the delivery.
        var longest = new Dictionary<string, object?> { [new string('k', 255)] = 1 };
        var tooLong = new Dictionary<string, object?> { [new string('k', 254) + "\u00e9"] = 1, ["kept"] = 2 };

        Assert.True(FieldTable.TableEquals(longest, TableBytes.Decode(TableBytes.Encode(longest))));
        Assert.True(FieldTable.TableEquals(new Dictionary<string, object?> { ["kept"] = 2 }, TableBytes.Decode(TableBytes.Encode(tooLong))));
    }

    [Fact]
    public void A_later_duplicate_key_wins_as_in_rabbitmq()
    {
        byte[] bytes =
        [
            0, 0, 0, 8,
            1, (byte)'k', (byte)'B', 1,
            1, (byte)'k', (byte)'B', 2,
        ];

        var decoded = TableBytes.Decode(bytes);

        Assert.Equal((byte)2, Assert.Single(decoded).Value);
    }

    [Fact]
    public void Every_truncation_of_a_table_fails_with_syntax_error()
    {
        var bytes = TableBytes.Encode(SampleByTypeLetter.ToDictionary(entry => $"type-{entry.Key}", entry => entry.Value));

        for (var length = 0; length < bytes.Length; length++)
        {
            var error = TableBytes.DecodeFails(bytes[..length]);
            Assert.Equal(AmqpConstants.SyntaxError, error.ReplyCode);
        }
    }

    [Theory]
    [InlineData('Z')]
    [InlineData('U')]
    [InlineData('\0')]
    public void An_unknown_type_letter_fails_with_syntax_error(char letter)
    {
        byte[] bytes = [0, 0, 0, 4, 1, (byte)'k', (byte)letter, 0];

        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 9, 1, (byte)'k', (byte)'B', 1 })] // table length past the end
    [InlineData(new byte[] { 0, 0, 0, 8, 1, (byte)'k', (byte)'S', 0, 0, 0, 2, (byte)'a' })] // long string past the end
    [InlineData(new byte[] { 0, 0, 0, 7, 1, (byte)'k', (byte)'F', 0, 0, 0, 9 })] // nested table past the end
    [InlineData(new byte[] { 0, 0, 0, 7, 1, (byte)'k', (byte)'A', 0, 0, 0, 9 })] // array past the end
    [InlineData(new byte[] { 0, 0, 0, 2, 5, (byte)'k' })] // key past the end
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })] // a hostile length
    public void A_declared_length_past_the_end_fails_with_syntax_error(byte[] bytes)
    {
        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Fact]
    public void An_entry_running_past_the_table_length_fails_even_when_the_buffer_holds_more()
    {
        // The table claims 4 bytes, but its one entry takes 7; a second table follows in the buffer.
        byte[] bytes = [0, 0, 0, 4, 1, (byte)'k', (byte)'I', 0, 0, 0, 1, 0, 0, 0, 0];

        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Fact]
    public void An_element_running_past_the_array_length_fails_even_when_the_table_holds_more()
    {
        // The array claims 2 bytes, but its one element ('I') takes 5.
        byte[] bytes = [0, 0, 0, 12, 1, (byte)'a', (byte)'A', 0, 0, 0, 2, (byte)'I', 0, 0, 0, 1];

        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Fact]
    public void A_decimal_scale_above_28_fails_with_syntax_error()
    {
        byte[] bytes = [0, 0, 0, 8, 1, (byte)'d', (byte)'D', 29, 0, 0, 0, 1];

        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Fact]
    public void Tables_nested_to_the_depth_limit_are_read()
    {
        var table = TableBytes.NestedTables(AmqpReader.MaxTableDepth);

        Assert.True(FieldTable.TableEquals(table, TableBytes.Decode(TableBytes.Encode(table))));
    }

    [Fact]
    public void Tables_nested_deeper_than_the_limit_fail_with_syntax_error()
    {
        var bytes = TableBytes.Encode(TableBytes.NestedTables(AmqpReader.MaxTableDepth + 1));

        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(bytes).ReplyCode);
    }

    [Fact]
    public void Arrays_count_toward_the_nesting_limit()
    {
        var atLimit = TableBytes.NestedArrays(AmqpReader.MaxTableDepth);
        var pastLimit = TableBytes.Encode(TableBytes.NestedArrays(AmqpReader.MaxTableDepth + 1));

        Assert.True(FieldTable.TableEquals(atLimit, TableBytes.Decode(TableBytes.Encode(atLimit))));
        Assert.Equal(AmqpConstants.SyntaxError, TableBytes.DecodeFails(pastLimit).ReplyCode);
    }

    [Fact]
    public void Sibling_tables_do_not_add_up_toward_the_nesting_limit()
    {
        var table = new Dictionary<string, object?>();
        for (var i = 0; i < AmqpReader.MaxTableDepth * 2; i++)
        {
            table[$"sibling-{i}"] = TableBytes.NestedTables(2);
        }

        Assert.True(FieldTable.TableEquals(table, TableBytes.Decode(TableBytes.Encode(table))));
    }
}
