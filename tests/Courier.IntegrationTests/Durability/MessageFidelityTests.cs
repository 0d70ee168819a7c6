using System.Collections;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using CoreMessages = Courier.Core.Messages;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A persistent message in a durable queue comes back to an AMQP consumer exactly as its AMQP
/// publisher sent it: every basic property and every field-table value with its type letter,
/// whether it is delivered from memory or read back from the journal after a restart. One copy of
/// each message goes to a queue consumed at once, the other to a queue consumed after the restart.
/// </summary>
public sealed class MessageFidelityTests : IDisposable
{
    private const string Live = "fidelity.live";
    private const string Restarted = "fidelity.restarted";

    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-fidelity-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    /// <summary>Every property, headers holding every type RabbitMQ.Client sends (t b B s u I i l f d D S x T F A V), nested.</summary>
    private static BasicProperties Everything() => new()
    {
        ContentType = "application/json",
        ContentEncoding = "gzip",
        DeliveryMode = DeliveryModes.Persistent,
        Priority = 9,
        CorrelationId = "corr-é-1",
        ReplyTo = "replies",
        Expiration = "60000",
        MessageId = "msg-1",
        Timestamp = new AmqpTimestamp(1_700_000_000),
        Type = "order.created",
        UserId = "guest",
        AppId = "courier-tests",
        ClusterId = "cluster-a",
        Headers = new Dictionary<string, object?>
        {
            ["t"] = true,
            ["f-false"] = false,
            ["b"] = (sbyte)-128,
            ["B"] = (byte)255,
            ["s"] = (short)-32768,
            ["u"] = (ushort)65535,
            ["I"] = int.MinValue,
            ["i"] = uint.MaxValue,
            ["l"] = long.MinValue,
            ["f"] = -1.5f,
            ["d"] = double.MaxValue,
            ["D"] = 123.45m,
            ["D-negative"] = -6.5m,
            ["S"] = "text with ünïcode",
            ["S-bytes"] = new byte[] { 0, 1, 2, 255 },
            ["x"] = new BinaryTableValue([9, 8, 7, 0]),
            ["T"] = new AmqpTimestamp(1_600_000_000),
            ["V"] = null,
            ["F"] = new Dictionary<string, object?> { ["nested"] = 42, ["deeper"] = new Dictionary<string, object?> { ["leaf"] = "x", ["empty"] = new Dictionary<string, object?>() } },
            ["A"] = new List<object?> { 1, "two", 3L, null, new List<object?> { true, new Dictionary<string, object?> { ["in-array"] = (byte)1 } } },
        },
    };

    [Fact]
    public async Task Every_property_and_field_type_comes_back_exactly_as_sent_live_and_after_a_restart()
    {
        // One set per queue: with confirm tracking on, RabbitMQ.Client adds its sequence number to
        // the headers of the object it publishes, so each object is what went on the wire once.
        var sent = new Dictionary<string, BasicProperties[]> { [Live] = Messages(), [Restarted] = Messages() };
        static BasicProperties[] Messages() =>
        [
            Everything(),
            // An expiration that is not the canonical number, and one that is no number at all:
            // both are passed on exactly as sent.
            new() { DeliveryMode = DeliveryModes.Persistent, Expiration = "060000" },
            new() { DeliveryMode = DeliveryModes.Persistent, Expiration = "soon", CorrelationId = "" },
            new() { DeliveryMode = DeliveryModes.Persistent },
        ];

        // 1. Publish each message, confirmed, to a queue read now and one read after the restart.
        string[] args = ["--data-dir", _dataDir];
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            foreach (var queue in (string[])[Live, Restarted])
            {
                await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
                for (var i = 0; i < sent[queue].Length; i++)
                {
                    await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, sent[queue][i], Encoding.UTF8.GetBytes($"body-{i}"));
                }
            }

            // 2. From memory: each comes back as sent.
            for (var i = 0; i < sent[Live].Length; i++)
            {
                var got = await channel.BasicGetAsync(Live, autoAck: true);
                Assert.NotNull(got);
                Assert.Equal($"body-{i}", Encoding.UTF8.GetString(got.Body.Span));
                AssertSameProperties(sent[Live][i], got.BasicProperties);
            }
        }

        // 3. From the journal, after a restart: the same.
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            for (var i = 0; i < sent[Restarted].Length; i++)
            {
                var got = await channel.BasicGetAsync(Restarted, autoAck: true);
                Assert.NotNull(got);
                Assert.Equal($"body-{i}", Encoding.UTF8.GetString(got.Body.Span));
                AssertSameProperties(sent[Restarted][i], got.BasicProperties);
            }
        }
    }

    [Fact]
    public async Task An_unsigned_64_bit_header_and_a_binary_correlation_id_come_back_exactly_after_a_restart()
    {
        // RabbitMQ.Client sends neither a field of type 'L' nor a correlation id that is not UTF-8: a raw client does.
        var properties = new CoreMessages.MessageProperties
        {
            Persistence = CoreMessages.DeliveryPersistence.Persistent,
            CorrelationId = [0xFF, 0x00, 0xC3, 0x28],
            Headers = new Dictionary<string, object?>
            {
                ["L"] = ulong.MaxValue,
                ["A"] = new List<object?> { 1UL << 63, new Dictionary<string, object?> { ["L"] = 7UL } },
            },
        };
        string[] args = ["--data-dir", _dataDir];
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(Restarted, durable: true, exclusive: false, autoDelete: false);
            await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
            await client.OpenAsync();
            await client.OpenChannelAsync(1);
            await client.SendMethodAsync(1, new ConfirmSelect());
            await client.ExpectFrameAsync(ConfirmSelectOk.Key);
            await client.PublishAsync(1, string.Empty, Restarted, "raw"u8, properties);
            await client.ExpectFrameAsync(BasicAck.Key);
        }

        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
            await client.OpenAsync();
            await client.OpenChannelAsync(1);
            await client.SendMethodAsync(1, new BasicConsume { Queue = Restarted, ConsumerTag = "fidelity", NoAck = true });
            await client.ExpectFrameAsync(BasicConsumeOk.Key);
            var delivery = await client.ExpectDeliveryAsync();

            Assert.Equal("raw", delivery.Text);
            Assert.Equal(properties.CorrelationId, delivery.Properties.CorrelationId);
            Assert.Equal(CoreMessages.DeliveryPersistence.Persistent, delivery.Properties.Persistence);
            var headers = delivery.Properties.Headers!;
            Assert.Equal(ulong.MaxValue, Assert.IsType<ulong>(headers["L"]));
            Assert.True(CoreMessages.FieldTable.TableEquals(properties.Headers, headers));
        }
    }

    private static void AssertSameProperties(IReadOnlyBasicProperties sent, IReadOnlyBasicProperties received)
    {
        Assert.Equal(sent.IsContentTypePresent(), received.IsContentTypePresent());
        Assert.Equal(sent.ContentType, received.ContentType);
        Assert.Equal(sent.IsContentEncodingPresent(), received.IsContentEncodingPresent());
        Assert.Equal(sent.ContentEncoding, received.ContentEncoding);
        Assert.Equal(sent.IsDeliveryModePresent(), received.IsDeliveryModePresent());
        Assert.Equal(sent.DeliveryMode, received.DeliveryMode);
        Assert.Equal(sent.IsPriorityPresent(), received.IsPriorityPresent());
        Assert.Equal(sent.Priority, received.Priority);
        Assert.Equal(sent.IsCorrelationIdPresent(), received.IsCorrelationIdPresent());
        Assert.Equal(sent.CorrelationId, received.CorrelationId);
        Assert.Equal(sent.IsReplyToPresent(), received.IsReplyToPresent());
        Assert.Equal(sent.ReplyTo, received.ReplyTo);
        Assert.Equal(sent.IsExpirationPresent(), received.IsExpirationPresent());
        Assert.Equal(sent.Expiration, received.Expiration);
        Assert.Equal(sent.IsMessageIdPresent(), received.IsMessageIdPresent());
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal(sent.IsTimestampPresent(), received.IsTimestampPresent());
        Assert.Equal(sent.Timestamp, received.Timestamp);
        Assert.Equal(sent.IsTypePresent(), received.IsTypePresent());
        Assert.Equal(sent.Type, received.Type);
        Assert.Equal(sent.IsUserIdPresent(), received.IsUserIdPresent());
        Assert.Equal(sent.UserId, received.UserId);
        Assert.Equal(sent.IsAppIdPresent(), received.IsAppIdPresent());
        Assert.Equal(sent.AppId, received.AppId);
        Assert.Equal(sent.IsClusterIdPresent(), received.IsClusterIdPresent());
        Assert.Equal(sent.ClusterId, received.ClusterId);
        Assert.Equal(sent.IsHeadersPresent(), received.IsHeadersPresent());
        AssertSameValue("headers", sent.Headers, received.Headers);
    }

    /// <summary>
    /// Same value and same type letter. RabbitMQ.Client sends a string as a long string ('S') and
    /// reads every 'S' back as bytes, so a sent string must come back as its UTF-8 bytes.
    /// </summary>
    private static void AssertSameValue(string path, object? sent, object? received)
    {
        switch (sent)
        {
            case null:
                Assert.Null(received);
                break;
            case string text:
                Assert.Equal(Encoding.UTF8.GetBytes(text), Assert.IsType<byte[]>(received));
                break;
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(received));
                break;
            case BinaryTableValue binary:
                Assert.Equal(binary.Bytes, Assert.IsType<BinaryTableValue>(received).Bytes);
                break;
            case IDictionary<string, object?> { Count: 0 }:
                // RabbitMQ.Client reads an empty nested table as null.
                Assert.True(received is null or IDictionary<string, object?> { Count: 0 }, $"{path}: an empty table came back as {received}");
                break;
            case IDictionary<string, object?> table:
                var got = Assert.IsAssignableFrom<IDictionary<string, object?>>(received);
                Assert.Equal(table.Keys.Order(), got.Keys.Order());
                foreach (var (key, value) in table)
                {
                    AssertSameValue($"{path}.{key}", value, got[key]);
                }

                break;
            case IList list:
                var items = Assert.IsAssignableFrom<IList>(received);
                Assert.Equal(list.Count, items.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    AssertSameValue($"{path}[{i}]", list[i], items[i]);
                }

                break;
            default:
                Assert.True(sent.GetType() == received?.GetType(), $"{path}: sent a {sent.GetType()}, received a {received?.GetType()}");
                Assert.True(sent.Equals(received), $"{path}: sent {sent}, received {received}");
                break;
        }
    }
}
