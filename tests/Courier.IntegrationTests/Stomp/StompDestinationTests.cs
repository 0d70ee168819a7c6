using System.Text;
using Courier.Core.Queues;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;

namespace Courier.IntegrationTests.Stomp;

/// <summary>RabbitMQ's STOMP destinations: /queue/, /topic/, /exchange/, /amq/queue/, /temp-queue/ and durable topic subscriptions.</summary>
public sealed class StompDestinationTests
{
    private static string Text(StompFrame frame) => Encoding.UTF8.GetString(frame.Body.Span);

    private static IQueue Queue(TestBroker broker, string name)
    {
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue(name, out var queue), $"queue '{name}' exists");
        return queue;
    }

    [Fact]
    public async Task A_queue_destination_declares_a_durable_queue_whose_consumers_compete()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = await StompTestClient.ConnectAsync(broker.StompPort);
        await using var second = await StompTestClient.ConnectAsync(broker.StompPort);
        await first.SubscribeAsync("a", "/queue/work");
        await second.SubscribeAsync("b", "/queue/work");
        Assert.True(Queue(broker, "work").Durable);

        await using var sender = await StompTestClient.ConnectAsync(broker.StompPort);
        for (var i = 0; i < 4; i++)
        {
            await sender.SendTextAsync("/queue/work", $"job {i}");
        }

        var got = new[] { await first.ReceiveAsync(), await first.ReceiveAsync(), await second.ReceiveAsync(), await second.ReceiveAsync() };
        Assert.Equal(["job 0", "job 1", "job 2", "job 3"], got.Select(Text).Order());
        Assert.All(got, m => Assert.Equal("/queue/work", m["destination"]));
        Assert.Equal("a", got[0]["subscription"]);
    }

    [Fact]
    public async Task A_topic_destination_broadcasts_to_every_subscriber_by_routing_key()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var wide = await StompTestClient.ConnectAsync(broker.StompPort);
        await using var narrow = await StompTestClient.ConnectAsync(broker.StompPort);
        await wide.SubscribeAsync("w", "/topic/prices.*");
        await narrow.SubscribeAsync("n", "/topic/prices.eur");

        await using var sender = await StompTestClient.ConnectAsync(broker.StompPort);
        await sender.SendTextAsync("/topic/prices.usd", "1.1");
        await sender.SendTextAsync("/topic/prices.eur", "1.0");

        Assert.Equal("1.1", Text(await wide.ReceiveAsync()));
        var eur = await wide.ReceiveAsync();
        Assert.Equal("1.0", Text(eur));
        Assert.Equal("/topic/prices.eur", eur["destination"]);
        Assert.Equal("1.0", Text(await narrow.ReceiveAsync()));
    }

    [Fact]
    public async Task An_exchange_destination_publishes_with_the_key_and_subscribes_with_a_binding()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("d", "/exchange/amq.direct/green");

        await client.SendTextAsync("/exchange/amq.direct/red", "not for me");
        await client.SendTextAsync("/exchange/amq.direct/green", "for me");

        var message = await client.ReceiveAsync();
        Assert.Equal("for me", Text(message));
        Assert.Equal("/exchange/amq.direct/green", message["destination"]);
    }

    [Fact]
    public async Task An_amq_queue_destination_uses_an_existing_queue_and_refuses_a_missing_one()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using (var amqp = await broker.ConnectAsync())
        await using (var channel = await amqp.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("existing", durable: false, exclusive: false, autoDelete: false);
        }

        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("e", "/amq/queue/existing");
        await client.SendTextAsync("/amq/queue/existing", "hello");
        Assert.Equal("hello", Text(await client.ReceiveAsync()));

        await client.SendAsync(StompCommand.Subscribe, new("id", "m"), new("destination", "/amq/queue/missing"), new("receipt", "r"));
        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("missing", error["message"]);
        await client.WaitClosedAsync();
    }

    [Fact]
    public async Task A_temp_queue_reply_to_is_rewritten_so_the_reply_reaches_the_requester()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var service = await StompTestClient.ConnectAsync(broker.StompPort);
        await service.SubscribeAsync("svc", "/queue/requests");
        await using var requester = await StompTestClient.ConnectAsync(broker.StompPort);

        await requester.SendTextAsync("/queue/requests", "ping", new StompHeader("reply-to", "/temp-queue/answers"));
        var request = await service.ReceiveAsync();
        var replyTo = request["reply-to"];
        Assert.StartsWith("/reply-queue/", replyTo);

        await service.SendTextAsync(replyTo!, "pong");
        var reply = await requester.ReceiveAsync();
        Assert.Equal("pong", Text(reply));
        Assert.Equal("/temp-queue/answers", reply["subscription"]);
        Assert.Equal("/temp-queue/answers", reply["destination"]);

        // The temporary queue belongs to the requester's connection and goes with it.
        var queueName = replyTo!["/reply-queue/".Length..];
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue(queueName, out _));
        await requester.DisposeAsync();
        await Wait.UntilAsync(() => !vhost.TryGetQueue(queueName, out _), "the temporary queue to be deleted with its connection");
    }

    [Fact]
    public async Task A_durable_topic_subscription_keeps_messages_while_disconnected_under_RabbitMQs_queue_name()
    {
        await using var broker = await TestBroker.StartAsync();
        StompHeader[] durable = [new("durable", "true"), new("auto-delete", "false")];
        await using (var subscriber = await StompTestClient.ConnectAsync(broker.StompPort))
        {
            await subscriber.SubscribeAsync("my-sub", "/topic/news", "client", durable);
        }

        // RabbitMQ's name: stomp-subscription- and the base64url MD5 of term_to_binary({"news", "my-sub"}).
        var name = Courier.Stomp.Server.StompNames.DurableSubscriptionQueue("news", "my-sub");
        Assert.Equal("stomp-subscription-" + ExpectedHash("news", "my-sub"), name);
        var queue = Queue(broker, name);
        Assert.True(queue.Durable);

        await using var sender = await StompTestClient.ConnectAsync(broker.StompPort);
        await sender.SendWithReceiptAsync(new StompFrame(StompCommand.Send, [new("destination", "/topic/news"), new("persistent", "true")], Encoding.UTF8.GetBytes("while away")), "sent");

        await using var again = await StompTestClient.ConnectAsync(broker.StompPort);
        await again.SubscribeAsync("my-sub", "/topic/news", "client", durable);
        var message = await again.ReceiveAsync();
        Assert.Equal("while away", Text(message));

        // UNSUBSCRIBE with durable:true deletes the subscription's queue.
        await again.SendWithReceiptAsync(new StompFrame(StompCommand.Unsubscribe, [new("id", "my-sub"), new("durable", "true")]), "gone");
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.False(vhost.TryGetQueue(name, out _));
    }

    private static string ExpectedHash(string name, string id)
    {
        // Erlang external term format: 131, SMALL_TUPLE_EXT 104 arity 2, then two STRING_EXT (107, 16-bit length, bytes).
        byte[] term = [131, 104, 2, 107, 0, (byte)name.Length, .. Encoding.ASCII.GetBytes(name), 107, 0, (byte)id.Length, .. Encoding.ASCII.GetBytes(id)];
        return Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(term)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    [Fact]
    public async Task Queue_declaration_headers_become_queue_arguments_and_bad_ones_are_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("l", "/queue/limited", "auto", new StompHeader("x-max-length", "10"), new StompHeader("x-message-ttl", "60000"), new StompHeader("x-dead-letter-exchange", "amq.fanout"));
        var queue = Queue(broker, "limited");
        Assert.Equal(10L, queue.Definition.Arguments["x-max-length"]);
        Assert.Equal(60000L, queue.Definition.Arguments["x-message-ttl"]);
        Assert.Equal("amq.fanout", queue.Definition.Arguments["x-dead-letter-exchange"]);

        await using var bad = await StompTestClient.ConnectAsync(broker.StompPort);
        await bad.SendAsync(StompCommand.Subscribe, new("id", "b"), new("destination", "/queue/bad"), new("x-max-length", "ten"));
        var error = await bad.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("x-max-length", error["message"]);

        await using var unsupported = await StompTestClient.ConnectAsync(broker.StompPort);
        await unsupported.SendAsync(StompCommand.Subscribe, new("id", "q"), new("destination", "/queue/quorum"), new("x-queue-type", "quorum"));
        Assert.Equal(StompCommand.Error, (await unsupported.ReceiveAsync()).Command);
    }

    [Fact]
    public async Task An_unknown_destination_is_an_error()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SendTextAsync("/nowhere/q", "x");

        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("/nowhere/q", error["message"]);
    }
}
