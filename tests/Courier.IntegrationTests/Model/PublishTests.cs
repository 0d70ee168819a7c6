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
