using System.Buffers;
using System.Reflection;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.Amqp091.Mapping;
using Courier.Core.Messages;
using Xunit;

namespace Courier.Amqp091.Tests.Framing;

public class ContentHeaderTests
{
    private const ushort Channel = 3;

    private static readonly PropertyInfo[] Properties =
        [.. typeof(MessageProperties).GetProperties().Where(p => p.CanWrite).OrderBy(p => p.MetadataToken)];

    private static readonly IReadOnlyDictionary<string, object?> ClusterA = new Dictionary<string, object?> { [AmqpOnlyProperties.ClusterIdKey] = "cluster-a" };

    /// <summary>
    /// Every neutral property class basic maps onto, in the spec's order (the order of the flag bits,
    /// from bit 15 down); the 14th, cluster-id, is AMQP-only and travels as an annotation (<see cref="ClusterA"/>).
    /// </summary>
    private static MessageProperties AllSet() => new()
    {
        ContentType = "application/json",
        ContentEncoding = "gzip",
        Headers = new Dictionary<string, object?> { ["x-retries"] = 3, ["trace"] = "abc"u8.ToArray(), ["nested"] = new Dictionary<string, object?> { ["ok"] = true } },
        Persistence = DeliveryPersistence.Persistent,
        Priority = 9,
        CorrelationId = Encoding.UTF8.GetBytes("corr-\u00e9"),
        ReplyTo = "amq.rabbitmq.reply-to",
        ExpiryMilliseconds = 60000,
        MessageId = "msg-1",
        Timestamp = new Timestamp(1_700_000_000),
        Type = "order.created",
        UserId = "guest",
        AppId = "courier-tests",
    };

    public static TheoryData<string> PropertyNames() => [.. Properties.Select(p => p.Name)];

    [Fact]
    public void Class_basic_has_13_neutral_properties_and_cluster_id()
    {
        Assert.Equal(13, Properties.Length);
        foreach (var property in Properties)
        {
            Assert.NotNull(property.GetValue(AllSet()));
        }
    }

    [Fact]
    public void All_14_properties_round_trip()
    {
        var sent = AllSet();

        var header = WriteAndRead(sent, bodySize: 0x0102_0304_0506_0708, ClusterA);

        Assert.Equal(AmqpClassId.Basic, header.ClassId);
        Assert.Equal(0x0102_0304_0506_0708ul, header.BodySize);
        AssertSameProperties(sent, header.Properties);
        Assert.True(FieldTable.TableEquals(ClusterA, header.AmqpOnly));
    }

    [Fact]
    public void A_header_with_no_properties_has_zero_flags_and_reads_back_empty()
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteContentHeader(output, Channel, AmqpClassId.Basic, 5, new MessageProperties());

        byte[] expected = [2, 0, 3, 0, 0, 0, 14, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0xCE];
        Assert.Equal(expected, output.WrittenSpan.ToArray());
        var header = WriteAndRead(new MessageProperties(), bodySize: 5);
        AssertSameProperties(new MessageProperties(), header.Properties);
    }

    [Theory]
    [MemberData(nameof(PropertyNames))]
    public void A_property_set_alone_round_trips_alone(string name)
    {
        var property = typeof(MessageProperties).GetProperty(name)!;
        var sent = new MessageProperties();
        property.SetValue(sent, property.GetValue(AllSet()));

        var header = WriteAndRead(sent, bodySize: 1);

        AssertSameProperties(sent, header.Properties);
    }

    [Fact]
    public void Some_properties_set_round_trip_and_the_rest_stay_unset()
    {
        var sent = new MessageProperties { ContentType = "text/plain", Persistence = DeliveryPersistence.Transient, Timestamp = new Timestamp(42) };

        var header = WriteAndRead(sent, bodySize: 10, ClusterA);

        AssertSameProperties(sent, header.Properties);
        Assert.True(FieldTable.TableEquals(ClusterA, header.AmqpOnly));
    }

    [Fact]
    public void Empty_headers_stay_distinct_from_no_headers()
    {
        var sent = new MessageProperties { Headers = FieldTable.Empty };

        var header = WriteAndRead(sent, bodySize: 0);

        Assert.NotNull(header.Properties.Headers);
        Assert.Empty(header.Properties.Headers);
    }

    [Fact]
    public void Flag_bits_follow_the_spec_from_content_type_at_bit_15_to_cluster_id_at_bit_2()
    {
        var payload = Payload(new MessageProperties { ContentType = "a" }, bodySize: 0, ClusterA);

        // class (2), weight (2), body size (8), then the flags.
        Assert.Equal(0b1000_0000, payload[12]);
        Assert.Equal(0b0000_0100, payload[13]);
    }

    [Fact]
    public void A_nonzero_weight_fails_with_syntax_error()
    {
        var payload = Payload(AllSet(), bodySize: 0);
        payload[3] = 1;

        Assert.Equal(AmqpConstants.SyntaxError, ReadFails(payload).ReplyCode);
    }

    [Theory]
    [InlineData(0b01)] // bit 0 would announce a second flag word, which class basic never needs
    [InlineData(0b10)] // bit 1 names no property
    public void Unknown_flag_bits_fail_with_syntax_error(byte lowBits)
    {
        var payload = Payload(new MessageProperties(), bodySize: 0);
        payload[13] |= lowBits;

        Assert.Equal(AmqpConstants.SyntaxError, ReadFails(payload).ReplyCode);
    }

    [Fact]
    public void Bytes_after_the_property_list_fail_with_syntax_error()
    {
        var payload = Payload(AllSet(), bodySize: 0);

        Assert.Equal(AmqpConstants.SyntaxError, ReadFails([.. payload, 0]).ReplyCode);
    }

    [Fact]
    public void Every_truncation_of_a_header_fails_with_syntax_error()
    {
        var payload = Payload(AllSet(), bodySize: 0);

        for (var length = 0; length < payload.Length; length++)
        {
            Assert.Equal(AmqpConstants.SyntaxError, ReadFails(payload[..length]).ReplyCode);
        }
    }

    [Fact]
    public void The_body_size_can_be_peeked_without_decoding_the_properties()
    {
        var payload = Payload(AllSet(), bodySize: 123_456_789_012);

        Assert.Equal(123_456_789_012ul, ContentHeaderCodec.PeekBodySize(payload));
        Assert.Equal(AmqpConstants.SyntaxError, Assert.Throws<AmqpProtocolException>(() => ContentHeaderCodec.PeekBodySize(payload.AsSpan(0, 11))).ReplyCode);
    }

    [Fact]
    public void Properties_and_header_names_longer_than_a_short_string_are_left_out_and_the_rest_kept()
    {
        // What another protocol may set: MQTT 5 allows 65,535 bytes in each.
        var longText = new string('t', 256);
        var properties = AllSet();
        properties.ContentType = longText;
        properties.CorrelationId = new byte[300];
        properties.Type = string.Concat(Enumerable.Repeat("€", 86)); // 258 bytes in 86 characters
        properties.Headers = new Dictionary<string, object?>
        {
            [longText] = "dropped",
            ["kept"] = new Dictionary<string, object?> { [longText] = 1, ["inner"] = 2 },
        };

        var header = WriteAndRead(properties, bodySize: 4, ClusterA);

        var p = header.Properties;
        Assert.Null(p.ContentType);
        Assert.Null(p.CorrelationId);
        Assert.Null(p.Type);
        Assert.Equal("gzip", p.ContentEncoding);
        Assert.Equal("msg-1", p.MessageId);
        Assert.Equal("courier-tests", p.AppId);
        var kept = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(p.Headers!, h => h.Key == "kept").Value);
        Assert.Equal(["inner"], kept.Keys);
        Assert.Single(p.Headers!);
    }

    private static byte[] Payload(MessageProperties properties, ulong bodySize, IReadOnlyDictionary<string, object?>? amqpOnly = null)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteContentHeader(output, Channel, AmqpClassId.Basic, bodySize, properties, amqpOnly);
        return output.WrittenSpan[AmqpFrameReader.HeaderSize..^1].ToArray();
    }

    private static ContentHeaderCodec.ContentHeader WriteAndRead(MessageProperties properties, ulong bodySize, IReadOnlyDictionary<string, object?>? amqpOnly = null)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteContentHeader(output, Channel, AmqpClassId.Basic, bodySize, properties, amqpOnly);

        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        Assert.True(AmqpFrameReader.TryReadFrame(ref buffer, AmqpConstants.FrameMinSize, out var frame));
        Assert.True(buffer.IsEmpty);
        Assert.Equal(AmqpFrameType.Header, frame.Type);
        Assert.Equal(Channel, frame.Channel);
        return ContentHeaderCodec.Read(frame.Payload.ToArray());
    }

    [Theory]
    [InlineData("60000", 60000L, false)]
    [InlineData("0", 0L, false)]
    [InlineData("9223372036854775807", long.MaxValue, false)]
    [InlineData("060000", 60000L, true)] // RabbitMQ reads it as 60 s; the text keeps its zero
    [InlineData("00", 0L, true)]
    [InlineData("-1", null, true)] // no expiry a broker would honour, passed on unchanged
    [InlineData("+5", null, true)]
    [InlineData(" 5", null, true)]
    [InlineData("abc", null, true)]
    [InlineData("", null, true)]
    [InlineData("9223372036854775808", null, true)] // past 64 bits
    public void An_expiration_reads_as_milliseconds_and_writes_back_as_the_same_text(string text, long? milliseconds, bool keptAsText)
    {
        var sent = Encoding.UTF8.GetBytes(text);
        var payload = Payload(new MessageProperties(), bodySize: 0, new Dictionary<string, object?> { [AmqpOnlyProperties.ExpirationKey] = text });

        var header = ContentHeaderCodec.Read(payload);

        Assert.Equal(milliseconds, header.Properties.ExpiryMilliseconds);
        Assert.Equal(keptAsText, AmqpOnlyProperties.Expiration(header.AmqpOnly) is not null);
        var again = Payload(header.Properties, bodySize: 0, header.AmqpOnly);
        Assert.Equal(payload, again);
        Assert.Equal(sent, again[15..(15 + sent.Length)]);
    }

    [Fact]
    public void A_correlation_id_that_is_not_utf8_comes_back_byte_for_byte()
    {
        var sent = new MessageProperties { CorrelationId = [0xFF, 0x00, 0xC3, 0x28, 0x80] };

        var header = WriteAndRead(sent, bodySize: 0);

        Assert.Equal(sent.CorrelationId, header.Properties.CorrelationId);
        Assert.Null(header.AmqpOnly);
    }

    private static AmqpProtocolException ReadFails(byte[] payload) =>
        Assert.Throws<AmqpProtocolException>(() => ContentHeaderCodec.Read(payload));

    private static void AssertSameProperties(MessageProperties expected, MessageProperties actual)
    {
        foreach (var property in Properties)
        {
            var sent = property.GetValue(expected);
            var received = property.GetValue(actual);
            Assert.True(FieldTable.ValueEquals(sent, received), $"{property.Name} was {sent}, decoded as {received}");
        }
    }
}
