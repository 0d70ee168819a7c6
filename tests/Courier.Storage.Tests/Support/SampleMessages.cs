using System.Text;
using Courier.Core.Messages;

namespace Courier.Storage.Tests.Support;

/// <summary>
/// Messages whose every part is derived from a number, so a test can tell them apart, and an
/// assertion that a message read back is the one written: same exchange, routing key, every
/// property (headers compared value by value, with their types) and the same body bytes.
/// </summary>
public static class SampleMessages
{
    /// <summary>A message with every property set and a headers table of every value type.</summary>
    public static Message WithEverything(int n, int bodySize = 512)
    {
        var properties = new MessageProperties
        {
            ContentType = "application/octet-stream",
            ContentEncoding = "identity",
            Headers = new Dictionary<string, object?>
            {
                ["n"] = n,
                ["long"] = 1L << 40,
                ["flag"] = true,
                ["text"] = Encoding.UTF8.GetBytes($"héllo {n}"),
                ["binary"] = new BinaryValue([0, 1, 2, 255]),
                ["decimal"] = 12.345m,
                ["double"] = 2.5d,
                ["float"] = 1.25f,
                ["sbyte"] = (sbyte)-5,
                ["short"] = (short)-300,
                ["byte"] = (byte)200,
                ["ushort"] = (ushort)60000,
                ["uint"] = 4_000_000_000u,
                ["ulong"] = ulong.MaxValue,
                ["string"] = $"ünïcode {n}",
                ["when"] = new Timestamp(1_700_000_000 + n),
                ["none"] = null,
                ["nested"] = new Dictionary<string, object?> { ["depth"] = 2, ["list"] = new List<object?> { 1, "x"u8.ToArray(), null } },
            },
            Persistence = DeliveryPersistence.Persistent,
            Priority = 7,
            CorrelationId = Encoding.UTF8.GetBytes($"corr-{n}"),
            ReplyTo = "amq.rabbitmq.reply-to",
            ExpiryMilliseconds = 60000,
            MessageId = $"message-{n}",
            Timestamp = new Timestamp(1_600_000_000 + n),
            Type = "sample",
            UserId = "guest",
            AppId = "courier-tests",
        };
        var annotations = new MessageAnnotations
        {
            PublishedBy = PublishingProtocol.Amqp091,
            DeliveryCount = n % 3,
            Qos = 1,
            Retain = true,
            More = new Dictionary<string, object?> { ["amqp.cluster-id"] = "cluster" },
        };
        return new Message("amq.tøpic", $"orders.{n}.créated", properties, Body(n, bodySize), annotations);
    }

    /// <summary>A persistent message with only a body, for tests where size matters more than content.</summary>
    public static Message Plain(int n, int bodySize = 64) =>
        new("", $"q.{n}", new MessageProperties { Persistence = DeliveryPersistence.Persistent }, Body(n, bodySize));

    /// <summary>Bytes that differ per message and cover every byte value, zero included.</summary>
    public static byte[] Body(int n, int size)
    {
        var body = new byte[size];
        for (var i = 0; i < size; i++)
        {
            body[i] = (byte)((i * 31) + (n * 7));
        }

        return body;
    }

    public static void AssertSameMessage(Message expected, Message actual)
    {
        Assert.Equal(expected.Exchange, actual.Exchange);
        Assert.Equal(expected.RoutingKey, actual.RoutingKey);
        var e = expected.Properties;
        var a = actual.Properties;
        Assert.Equal(e.ContentType, a.ContentType);
        Assert.Equal(e.ContentEncoding, a.ContentEncoding);
        Assert.Equal(e.Headers is null, a.Headers is null);
        Assert.True(FieldTable.TableEquals(e.Headers, a.Headers), "headers differ in a value or its type");
        Assert.Equal(e.Persistence, a.Persistence);
        Assert.Equal(e.Priority, a.Priority);
        Assert.Equal(e.CorrelationId, a.CorrelationId);
        Assert.Equal(e.ReplyTo, a.ReplyTo);
        Assert.Equal(e.ExpiryMilliseconds, a.ExpiryMilliseconds);
        Assert.Equal(e.MessageId, a.MessageId);
        Assert.Equal(e.Timestamp, a.Timestamp);
        Assert.Equal(e.Type, a.Type);
        Assert.Equal(e.UserId, a.UserId);
        Assert.Equal(e.AppId, a.AppId);
        Assert.Equal(expected.Annotations.PublishedBy, actual.Annotations.PublishedBy);
        Assert.Equal(expected.Annotations.DeliveryCount, actual.Annotations.DeliveryCount);
        Assert.Equal(expected.Annotations.Qos, actual.Annotations.Qos);
        Assert.Equal(expected.Annotations.Retain, actual.Annotations.Retain);
        Assert.Equal(expected.Annotations.More is null, actual.Annotations.More is null);
        Assert.True(FieldTable.TableEquals(expected.Annotations.More, actual.Annotations.More), "annotations differ");
        Assert.True(expected.Body.Span.SequenceEqual(actual.Body.Span), $"bodies differ ({expected.Body.Length} bytes written, {actual.Body.Length} read)");
    }
}
