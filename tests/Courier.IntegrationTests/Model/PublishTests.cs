using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Model;

/// <summary>basic.publish: mandatory returns, message properties end to end, and refused publishes.</summary>
public sealed class PublishTests
{
    [Fact]
    public async Task Unroutable_mandatory_message_is_returned_with_no_route_and_its_content_intact()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var returned = new TaskCompletionSource<(BasicReturnEventArgs Return, byte[] Body, BasicProperties Properties)>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicReturnAsync += (_, e) =>
        {
            returned.TrySetResult((e, e.Body.ToArray(), new BasicProperties(e.BasicProperties)));
            return Task.CompletedTask;
        };
        var properties = new BasicProperties
        {
            MessageId = "order-17",
            ContentType = "application/json",
            Headers = new Dictionary<string, object?> { ["attempt"] = 3 },
        };

        await channel.BasicPublishAsync("amq.direct", "nobody.listens", mandatory: true, properties, Encoding.UTF8.GetBytes("{\"id\":17}"));
        var (e, body, returnedProperties) = await Wait.ForAsync(returned.Task, "basic.return");

        Assert.Equal(Constants.NoRoute, e.ReplyCode);
        Assert.Equal("NO_ROUTE", e.ReplyText);
        Assert.Equal("amq.direct", e.Exchange);
        Assert.Equal("nobody.listens", e.RoutingKey);
        Assert.Equal("{\"id\":17}", Encoding.UTF8.GetString(body));
        Assert.Equal("order-17", returnedProperties.MessageId);
        Assert.Equal("application/json", returnedProperties.ContentType);
        Assert.Equal(3, returnedProperties.Headers!["attempt"]);
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Unroutable_message_without_mandatory_is_dropped_silently()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var returned = new List<string>();
        channel.BasicReturnAsync += (_, e) =>
        {
            lock (returned)
            {
                returned.Add(Encoding.UTF8.GetString(e.Body.Span));
            }

            return Task.CompletedTask;
        };

        await channel.PublishTextAsync("amq.direct", "nobody.listens", "dropped", mandatory: false);
        // Returns come in publish order: once the marker is back, a return of the first would have been seen.
        await channel.PublishTextAsync("amq.direct", "nobody.listens", "marker", mandatory: true);
        await Wait.UntilAsync(() => { lock (returned) { return returned.Count > 0; } }, "the marker is returned");

        lock (returned)
        {
            Assert.Equal(new[] { "marker" }, returned);
        }
    }

    [Fact]
    public async Task Every_basic_property_and_header_field_type_reaches_the_consumer_unchanged()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("properties");
        var consumer = new RecordingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var sent = new BasicProperties
        {
            ContentType = "text/plain",
            ContentEncoding = "gzip",
            DeliveryMode = DeliveryModes.Persistent,
            Priority = 7,
            CorrelationId = "corr-1",
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
                ["string"] = "text with ünïcode",
                ["bytes"] = new byte[] { 0, 1, 2, 255 },
                ["bool"] = true,
                ["sbyte"] = (sbyte)-5,
                ["byte"] = (byte)250,
                ["short"] = (short)-30000,
                ["ushort"] = (ushort)60000,
                ["int"] = -2_000_000_000,
                ["uint"] = 4_000_000_000u,
                ["long"] = -9_000_000_000_000_000_000L,
                ["float"] = 1.5f,
                ["double"] = -2.25d,
                ["decimal"] = 123.45m,
                ["negative-decimal"] = -6.5m,
                ["timestamp"] = new AmqpTimestamp(1_600_000_000),
                ["binary"] = new BinaryTableValue([9, 8, 7]),
                ["void"] = null,
                ["table"] = new Dictionary<string, object?> { ["nested"] = 42, ["deeper"] = new Dictionary<string, object?> { ["leaf"] = "x" } },
                ["array"] = new List<object?> { 1, "two", 3L, new List<object?> { true } },
            },
        };

        await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, sent, Encoding.UTF8.GetBytes("payload"));
        var received = (await consumer.WaitForAsync(1))[0].Properties;

        Assert.Equal("text/plain", received.ContentType);
        Assert.Equal("gzip", received.ContentEncoding);
        Assert.Equal(DeliveryModes.Persistent, received.DeliveryMode);
        Assert.Equal(7, received.Priority);
        Assert.Equal("corr-1", received.CorrelationId);
        Assert.Equal("replies", received.ReplyTo);
        Assert.Equal("60000", received.Expiration);
        Assert.Equal("msg-1", received.MessageId);
        Assert.Equal(new AmqpTimestamp(1_700_000_000), received.Timestamp);
        Assert.Equal("order.created", received.Type);
        Assert.Equal("guest", received.UserId);
        Assert.Equal("courier-tests", received.AppId);
        Assert.Equal("cluster-a", received.ClusterId);

        var headers = received.Headers!;
        Assert.Equal(sent.Headers.Count, headers.Count);
        Assert.Equal("text with ünïcode", Encoding.UTF8.GetString(Assert.IsType<byte[]>(headers["string"])));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Assert.IsType<byte[]>(headers["bytes"]));
        Assert.True(Assert.IsType<bool>(headers["bool"]));
        Assert.Equal((sbyte)-5, Assert.IsType<sbyte>(headers["sbyte"]));
        Assert.Equal((byte)250, Assert.IsType<byte>(headers["byte"]));
        Assert.Equal((short)-30000, Assert.IsType<short>(headers["short"]));
        Assert.Equal((ushort)60000, Assert.IsType<ushort>(headers["ushort"]));
        Assert.Equal(-2_000_000_000, Assert.IsType<int>(headers["int"]));
        Assert.Equal(4_000_000_000u, Assert.IsType<uint>(headers["uint"]));
        Assert.Equal(-9_000_000_000_000_000_000L, Assert.IsType<long>(headers["long"]));
        Assert.Equal(1.5f, Assert.IsType<float>(headers["float"]));
        Assert.Equal(-2.25d, Assert.IsType<double>(headers["double"]));
        Assert.Equal(123.45m, Assert.IsType<decimal>(headers["decimal"]));
        Assert.Equal(-6.5m, Assert.IsType<decimal>(headers["negative-decimal"]));
        Assert.Equal(new AmqpTimestamp(1_600_000_000), Assert.IsType<AmqpTimestamp>(headers["timestamp"]));
        Assert.Equal(new byte[] { 9, 8, 7 }, Assert.IsType<BinaryTableValue>(headers["binary"]).Bytes);
        Assert.True(headers.ContainsKey("void"));
        Assert.Null(headers["void"]);
        var table = Assert.IsType<Dictionary<string, object?>>(headers["table"]);
        Assert.Equal(42, table["nested"]);
        Assert.Equal("x", Encoding.UTF8.GetString(Assert.IsType<byte[]>(Assert.IsType<Dictionary<string, object?>>(table["deeper"])["leaf"])));
        var array = Assert.IsType<List<object?>>(headers["array"]);
        Assert.Equal(4, array.Count);
        Assert.Equal(1, array[0]);
        Assert.Equal("two", Encoding.UTF8.GetString(Assert.IsType<byte[]>(array[1])));
        Assert.Equal(3L, array[2]);
        Assert.True(Assert.IsType<bool>(Assert.Single(Assert.IsType<List<object?>>(array[3]))));
    }

    [Fact]
    public async Task A_message_without_properties_arrives_without_properties()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("bare");

        await channel.PublishTextAsync(string.Empty, queue, "bare");
        var got = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.NotNull(got);
        var properties = got.BasicProperties;
        Assert.False(properties.IsContentTypePresent());
        Assert.False(properties.IsHeadersPresent());
        Assert.False(properties.IsDeliveryModePresent());
        Assert.False(properties.IsMessageIdPresent());
        Assert.False(properties.IsTimestampPresent());
        Assert.Equal("bare", Encoding.UTF8.GetString(got.Body.Span));
    }

    [Fact]
    public async Task Publishing_to_a_missing_exchange_closes_only_that_channel_with_not_found()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var bystander = await connection.CreateChannelAsync();
        var queue = await bystander.DeclareQueueAsync("bystander");
        var consumer = new RecordingConsumer(bystander);
        await bystander.BasicConsumeAsync(queue, autoAck: true, consumer);

        await using var publisher = await connection.CreateChannelAsync();
        await publisher.PublishTextAsync("no-such-exchange", "key", "lost");
        var reason = await Refusals.ChannelClosedAsync(Constants.NotFound, connection, publisher);

        Assert.Equal("NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'", reason.ReplyText);
        Assert.True(bystander.IsOpen);
        await bystander.PublishTextAsync(string.Empty, queue, "still flowing");
        Assert.Equal("still flowing", (await consumer.WaitForAsync(1))[0].Text);
    }

    [Fact]
    public async Task A_message_over_the_maximum_size_closes_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Broker.MaxMessageSize = 1024);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("limited");

        await channel.BasicPublishAsync(string.Empty, queue, new byte[1024]);
        Assert.Equal(1u, await channel.ReadyCountAsync(queue));

        await channel.BasicPublishAsync(string.Empty, queue, new byte[1025]);
        var reason = await Refusals.ChannelClosedAsync(Constants.PreconditionFailed, connection, channel);

        Assert.Equal("PRECONDITION_FAILED - message size 1025 is larger than configured max size 1024", reason.ReplyText);
        await using var after = await connection.CreateChannelAsync();
        Assert.Equal(1u, await after.ReadyCountAsync(queue));
    }

    [Fact]
    public async Task Publishing_with_a_user_id_other_than_the_authenticated_user_closes_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("validated");

        await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, new BasicProperties { UserId = "mallory" }, Encoding.UTF8.GetBytes("forged"));
        var reason = await Refusals.ChannelClosedAsync(Constants.PreconditionFailed, connection, channel);

        Assert.Equal("PRECONDITION_FAILED - user_id property set to 'mallory' but authenticated user was 'guest'", reason.ReplyText);
    }
}
