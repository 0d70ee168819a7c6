using Courier.Core.Messages;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Storage.Tests.Journal;

/// <summary>The message record's payload: addresses as long as the neutral message allows, and records of the old layout.</summary>
public abstract partial class JournalStoreContract
{
    [Theory]
    [InlineData(300)]
    [InlineData(Message.MaxAddressBytes)]
    public async Task A_routing_key_and_exchange_name_up_to_65535_bytes_survive_a_restart(int length)
    {
        Start();
        // Multi-byte characters too, so the limit is bytes of UTF-8 and not characters.
        var routingKey = new string('k', length - 2) + "é";
        var exchange = "é" + new string('x', length - 2);
        var message = new Message(exchange, routingKey, new MessageProperties { Persistence = DeliveryPersistence.Persistent }, SampleMessages.Body(1, 10));

        var stored = Store.AppendMessage(message, [1]);
        await AwaitDurable(stored.CommitSequence);
        var recovery = Restart();

        var recovered = Assert.Single(recovery.Queues[1]);
        var loaded = Store.Load(recovered.Ref);
        Assert.Equal(routingKey, loaded.RoutingKey);
        Assert.Equal(exchange, loaded.Exchange);
        SampleMessages.AssertSameMessage(message, loaded);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_address_over_65535_bytes_is_refused_before_anything_is_appended(bool routingKey)
    {
        Start();
        var tooLong = new string('k', Message.MaxAddressBytes - 1) + "é";
        var message = routingKey
            ? new Message("", tooLong, new MessageProperties(), SampleMessages.Body(1, 10))
            : new Message(tooLong, "key", new MessageProperties(), SampleMessages.Body(1, 10));
        var first = Store.AppendMessage(SampleMessages.Plain(1), [1]);

        var refused = Assert.Throws<ArgumentException>(() => Store.AppendMessage(message, [1]));
        Assert.Throws<ArgumentException>(() => Store.AppendPaged(message));

        Assert.Contains(routingKey ? "routing key" : "exchange name", refused.Message);
        Assert.Contains("65535", refused.Message);
        // Nothing of the refused message was appended: it took no id and nothing of it comes back.
        var next = Store.AppendMessage(SampleMessages.Plain(2), [1]);
        Assert.Equal(first.MessageId + 1, next.MessageId);
        await AwaitDurable(next.CommitSequence);
        var recovery = Restart();
        Assert.Equal([first.MessageId, next.MessageId], recovery.Queues[1].Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_message_record_of_the_old_layout_loads_with_every_property_and_header()
    {
        Start();
        var body = SampleMessages.Body(3, 40);
        var payload = LegacyRecords.MessagePayload(id: 41, [1, 2], "amq.direct", "old.key", body);
        var (_, position) = Store.Journal.Append(RecordType.Message, payload.Length, payload, static (destination, bytes) => bytes.CopyTo(destination), addReferences: 2);
        await AwaitDurable(position);

        var recovery = Restart();
        var newer = Store.AppendMessage(SampleMessages.Plain(1), [1]);

        Assert.Equal(42, newer.MessageId);
        var recovered = Assert.Single(recovery.Queues[2]);
        Assert.Equal(41, recovered.MessageId);
        var loaded = Store.Load(recovered.Ref);
        Assert.Equal("amq.direct", loaded.Exchange);
        Assert.Equal("old.key", loaded.RoutingKey);
        Assert.Equal(body, loaded.Body.ToArray());
        var p = loaded.Properties;
        Assert.Equal("text/plain", p.ContentType);
        Assert.Equal(DeliveryPersistence.Persistent, p.Persistence);
        Assert.Equal([0xFF, 0x00], p.CorrelationId);
        Assert.Equal(60000, p.ExpiryMilliseconds);
        Assert.Null(p.ContentEncoding);
        Assert.Null(p.Priority);
        Assert.Null(p.Timestamp);
        var expectedHeaders = new Dictionary<string, object?>
        {
            ["n"] = 7,
            ["s"] = "v"u8.ToArray(),
            ["x"] = new BinaryValue([1, 2]),
            ["big"] = ulong.MaxValue,
            ["list"] = new List<object?> { true, null },
            ["deep"] = new Dictionary<string, object?> { ["d"] = 123.45m },
        };
        Assert.True(FieldTable.TableEquals(expectedHeaders, p.Headers), "headers differ in a value or its type");
        Assert.Equal(PublishingProtocol.Amqp091, loaded.Annotations.PublishedBy);
        Assert.True(FieldTable.TableEquals(
            new Dictionary<string, object?> { ["amqp.expiration"] = "060000", ["amqp.cluster-id"] = "c1" },
            loaded.Annotations.More));
    }

    [Fact]
    public async Task A_persistent_message_comes_back_with_the_time_the_store_took_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20_000));
        Start(new JournalOptions { Time = clock });
        var first = Store.AppendMessage(SampleMessages.Plain(1), [1, 2]);
        clock.Advance(TimeSpan.FromSeconds(90));
        var second = Store.AppendMessage(SampleMessages.Plain(2), [1]);
        await AwaitDurable(second.CommitSequence);

        var recovery = Restart();

        var start = DateTimeOffset.UnixEpoch.AddDays(20_000).ToUnixTimeMilliseconds();
        Assert.Equal([start, start + 90_000], recovery.Queues[1].Select(m => m.ArrivedAt));
        Assert.Equal([start], recovery.Queues[2].Select(m => m.ArrivedAt));
        Assert.Equal(first.MessageId, recovery.Queues[2][0].MessageId);
        SampleMessages.AssertSameMessage(SampleMessages.Plain(2), Store.Load(recovery.Queues[1][1].Ref));
    }
}
