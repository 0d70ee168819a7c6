using System.Buffers.Binary;
using System.Text;
using Courier.Amqp091.Mapping;
using Courier.Core.Messages;
using Courier.Storage.Format.Legacy;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Storage reads journal records of the old layout, whose properties are an AMQP property list,
/// without referencing Courier.Amqp091. Its legacy reader must map them exactly as the AMQP
/// mapper maps a content header, or a message would change on its way through an upgrade; this
/// holds the two together (the only project that sees both).
/// </summary>
public class LegacyRecordMappingTests
{
    public static TheoryData<string> Cases() => ["everything", "060000", "soon", "bare", "empty headers"];

    [Fact]
    public void Both_name_the_amqp_only_annotations_alike()
    {
        Assert.Equal(AmqpOnlyProperties.ClusterIdKey, LegacyAmqpMessageReader.ClusterIdKey);
        Assert.Equal(AmqpOnlyProperties.ExpirationKey, LegacyAmqpMessageReader.ExpirationKey);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void An_old_record_reads_as_the_message_the_amqp_mapper_reads_from_the_same_property_list(string name)
    {
        var (properties, amqpOnly) = Case(name);
        var list = new byte[AmqpPropertiesCodec.Measure(properties, amqpOnly)];
        var at = 0;
        AmqpPropertiesCodec.Write(list, ref at, properties, amqpOnly);
        at = 0;
        var fromWire = AmqpPropertiesCodec.Read(list, ref at, out var wireAnnotations);

        var payload = LegacyPayload("amq.topic", "a.b", list, "body"u8);
        var position = 0;
        var fromRecord = LegacyAmqpMessageReader.Read(payload, ref position);

        Assert.Equal(payload.Length, position);
        Assert.Equal("amq.topic", fromRecord.Exchange);
        Assert.Equal("a.b", fromRecord.RoutingKey);
        Assert.Equal("body"u8.ToArray(), fromRecord.Body.ToArray());
        AssertSame(fromWire, fromRecord.Properties);
        Assert.True(FieldTable.TableEquals(wireAnnotations, fromRecord.Annotations.More), "AMQP-only annotations differ");
        Assert.Equal(wireAnnotations is null, fromRecord.Annotations.More is null);
    }

    private static (MessageProperties, IReadOnlyDictionary<string, object?>?) Case(string name) => name switch
    {
        "everything" => (new MessageProperties
        {
            ContentType = "application/json",
            ContentEncoding = "gzip",
            Headers = new Dictionary<string, object?>
            {
                ["t"] = true, ["b"] = (sbyte)-1, ["B"] = (byte)1, ["s"] = (short)-2, ["u"] = (ushort)2, ["I"] = -3, ["i"] = 3u,
                ["l"] = -4L, ["L"] = 4UL, ["f"] = 1.5f, ["d"] = 2.5d, ["D"] = -1.25m, ["S"] = "s"u8.ToArray(), ["x"] = new BinaryValue([1]),
                ["T"] = new Timestamp(5), ["V"] = null, ["F"] = new Dictionary<string, object?> { ["n"] = 1 }, ["A"] = new List<object?> { 1, null },
            },
            Persistence = (DeliveryPersistence)7,
            Priority = 0,
            CorrelationId = [0xFF, 0],
            ReplyTo = "r",
            ExpiryMilliseconds = 1000,
            MessageId = "m",
            Timestamp = new Timestamp(1_700_000_000),
            Type = "t",
            UserId = "u",
            AppId = "a",
        }, new Dictionary<string, object?> { [AmqpOnlyProperties.ClusterIdKey] = "c" }),
        "060000" => (new MessageProperties(), new Dictionary<string, object?> { [AmqpOnlyProperties.ExpirationKey] = "060000" }),
        "soon" => (new MessageProperties(), new Dictionary<string, object?> { [AmqpOnlyProperties.ExpirationKey] = "soon" }),
        "empty headers" => (new MessageProperties { Headers = FieldTable.Empty }, null),
        _ => (new MessageProperties(), null),
    };

    private static byte[] LegacyPayload(string exchange, string routingKey, byte[] properties, ReadOnlySpan<byte> body)
    {
        var exchangeBytes = Encoding.UTF8.GetBytes(exchange);
        var keyBytes = Encoding.UTF8.GetBytes(routingKey);
        byte[] bodyLength = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bodyLength, body.Length);
        return [(byte)exchangeBytes.Length, .. exchangeBytes, (byte)keyBytes.Length, .. keyBytes, .. properties, .. bodyLength, .. body];
    }

    private static void AssertSame(MessageProperties expected, MessageProperties actual)
    {
        foreach (var property in typeof(MessageProperties).GetProperties().Where(p => p.CanWrite))
        {
            var e = property.GetValue(expected);
            var a = property.GetValue(actual);
            Assert.True(FieldTable.ValueEquals(e, a) && e?.GetType() == a?.GetType(), $"{property.Name}: {e} from the wire, {a} from the record");
        }
    }
}
