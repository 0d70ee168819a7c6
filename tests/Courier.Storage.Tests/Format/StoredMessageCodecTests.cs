using Courier.Core.Messages;
using Courier.Storage.Format;
using Courier.Storage.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Courier.Storage.Tests.Format;

/// <summary>Courier's neutral message encoding, as the journal's message records hold it.</summary>
public class StoredMessageCodecTests
{
    [Property(Arbitrary = [typeof(NeutralMessages)], MaxTest = 300)]
    public void Any_message_reads_back_as_written_in_exactly_the_measured_size(Message message)
    {
        var size = StoredMessageCodec.Measure(message);
        var buffer = new byte[size + 16];
        var position = 0;

        StoredMessageCodec.Write(buffer, ref position, message);

        Assert.Equal(size, position);
        var read = 0;
        var back = StoredMessageCodec.Read(buffer.AsSpan(0, size), ref read);
        Assert.Equal(size, read);
        SampleMessages.AssertSameMessage(message, back);
    }

    [Property(Arbitrary = [typeof(NeutralMessages)], MaxTest = 40)]
    public void Every_truncation_fails_as_invalid_data_and_nothing_else(Message message)
    {
        var bytes = Encode(message);

        for (var length = 0; length < bytes.Length; length++)
        {
            var position = 0;
            var cut = bytes.AsSpan(0, length).ToArray();
            Assert.Throws<InvalidDataException>(() => StoredMessageCodec.Read(cut, ref position));
        }
    }

    [Fact]
    public void Every_neutral_value_type_keeps_its_type()
    {
        var headers = new Dictionary<string, object?>
        {
            ["null"] = null, ["false"] = false, ["true"] = true,
            ["i8"] = sbyte.MinValue, ["u8"] = byte.MaxValue, ["i16"] = short.MinValue, ["u16"] = ushort.MaxValue,
            ["i32"] = int.MinValue, ["u32"] = uint.MaxValue, ["i64"] = long.MinValue, ["u64"] = ulong.MaxValue,
            ["f32"] = float.NaN, ["f64"] = double.NegativeInfinity, ["dec"] = decimal.MinValue,
            ["text"] = "tëxt", ["bytes"] = new byte[] { 0, 255 }, ["binary"] = new BinaryValue([9]),
            ["when"] = new Timestamp(-1), ["table"] = new Dictionary<string, object?> { ["x"] = 1 },
            ["list"] = new List<object?> { 1u, "a", null, new List<object?>() },
        };
        var message = new Message("", "k", new MessageProperties { Headers = headers }, Array.Empty<byte>());

        var back = RoundTrip(message);

        foreach (var (key, value) in headers)
        {
            var read = back.Properties.Headers![key];
            Assert.Equal(value?.GetType(), read?.GetType());
            Assert.True(FieldTable.ValueEquals(value, read), key);
        }
    }

    [Fact]
    public void Unset_properties_stay_unset_and_empty_ones_stay_empty()
    {
        var message = new Message("", "", new MessageProperties { ContentType = "", Headers = FieldTable.Empty, CorrelationId = [] }, Array.Empty<byte>());

        var back = RoundTrip(message);

        Assert.Equal("", back.Properties.ContentType);
        Assert.Empty(back.Properties.Headers!);
        Assert.Empty(back.Properties.CorrelationId!);
        Assert.Null(back.Properties.ReplyTo);
        Assert.Null(back.Properties.Persistence);
        Assert.Null(back.Annotations.More);
        Assert.Null(back.Annotations.Qos);
    }

    [Fact]
    public void A_value_of_a_type_outside_the_neutral_set_is_refused_when_measured()
    {
        var message = new Message("", "", new MessageProperties { Headers = new Dictionary<string, object?> { ["when"] = DateTime.UtcNow } }, Array.Empty<byte>());

        Assert.Throws<ArgumentException>(() => StoredMessageCodec.Measure(message));
    }

    [Fact]
    public void Unknown_property_bits_are_refused_rather_than_misread()
    {
        var bytes = Encode(new Message("", "", new MessageProperties(), Array.Empty<byte>()));
        bytes[3] = 0x80; // exchange (1), routing key (1), then the 16-bit presence word: bit 15

        var position = 0;
        Assert.Throws<InvalidDataException>(() => StoredMessageCodec.Read(bytes, ref position));
    }

    private static byte[] Encode(Message message)
    {
        var bytes = new byte[StoredMessageCodec.Measure(message)];
        var position = 0;
        StoredMessageCodec.Write(bytes, ref position, message);
        return bytes;
    }

    private static Message RoundTrip(Message message)
    {
        var bytes = Encode(message);
        var position = 0;
        return StoredMessageCodec.Read(bytes, ref position);
    }
}
