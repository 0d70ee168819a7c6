using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;

namespace Courier.IntegrationTests.Stomp;

/// <summary>Ack modes auto, client (cumulative) and client-individual; ACK and NACK by id or message-id; prefetch; requeue on disconnect.</summary>
public sealed class StompAckTests
{
    private static string Text(StompFrame frame) => Encoding.UTF8.GetString(frame.Body.Span);

    /// <summary>Sends from a connection of its own, the last SEND with a receipt, so all are queued when it returns.</summary>
    private static async Task SendAllAsync(TestBroker broker, string destination, int count)
    {
        await using var producer = await StompTestClient.ConnectAsync(broker.StompPort);
        for (var i = 0; i < count - 1; i++)
        {
            await producer.SendTextAsync(destination, $"m{i}");
        }

        await producer.SendWithReceiptAsync(new StompFrame(StompCommand.Send, [new("destination", destination)], Encoding.UTF8.GetBytes($"m{count - 1}")), "sent");
    }

    private static (int Ready, int Unsettled) Counts(TestBroker broker, string queue)
    {
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue(queue, out var q));
        return (q.MessageCount, q.UnsettledCount);
    }

    [Fact]
    public async Task Client_individual_ACK_settles_only_the_message_it_names()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("s", "/queue/individual", "client-individual");
        await SendAllAsync(broker, "/queue/individual", 3);
        var messages = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.All(messages, m => Assert.Equal(m["message-id"], m["ack"]));

        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Ack, [new("id", messages[1]["ack"]!)]), "a1");

        await Wait.UntilAsync(() => Counts(broker, "individual") == (0, 2), "two messages still unacknowledged");
    }

    [Fact]
    public async Task Client_ACK_is_cumulative_over_the_subscription()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("s", "/queue/cumulative", "client");
        await SendAllAsync(broker, "/queue/cumulative", 3);
        var messages = new[] { await client.ReceiveAsync(), await client.ReceiveAsync(), await client.ReceiveAsync() };

        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Ack, [new("id", messages[1]["ack"]!)]), "a1");

        await Wait.UntilAsync(() => Counts(broker, "cumulative") == (0, 1), "the first two acknowledged by one ACK");
    }

    [Fact]
    public async Task STOMP_1_1_ACK_names_message_id_and_subscription()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort, StompVersion.V11);
        await client.SubscribeAsync("s", "/queue/v11", "client-individual");
        await SendAllAsync(broker, "/queue/v11", 1);
        var message = await client.ReceiveAsync();
        Assert.Null(message["ack"]);

        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Ack, [new("message-id", message["message-id"]!), new("subscription", "s")]), "a");

        await Wait.UntilAsync(() => Counts(broker, "v11") == (0, 0), "the message acknowledged");
    }

    [Fact]
    public async Task NACK_requeues_and_the_message_comes_again_marked_redelivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("s", "/queue/nacked", "client-individual");
        await SendAllAsync(broker, "/queue/nacked", 1);
        var first = await client.ReceiveAsync();
        Assert.Equal("false", first["redelivered"]);

        await client.SendAsync(StompCommand.Nack, new StompHeader("id", first["ack"]!));

        var again = await client.ReceiveAsync();
        Assert.Equal("m0", Text(again));
        Assert.Equal("true", again["redelivered"]);
    }

    [Fact]
    public async Task NACK_with_requeue_false_dead_letters_where_the_queue_says()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("dead", "/queue/dead-letters");
        await client.SubscribeAsync("s", "/queue/with-dlx", "client-individual", new StompHeader("x-dead-letter-exchange", ""), new StompHeader("x-dead-letter-routing-key", "dead-letters"));
        await client.SendTextAsync("/queue/with-dlx", "poison");
        var poison = await client.ReceiveAsync();
        Assert.True(poison.Command == StompCommand.Message, $"{poison.Command}: {poison["message"]}");
        Assert.Equal("s", poison["subscription"]);

        await client.SendAsync(StompCommand.Nack, new("id", poison["ack"]!), new("requeue", "false"));

        var dead = await client.ReceiveAsync();
        Assert.Equal("dead", dead["subscription"]);
        Assert.Equal("poison", Text(dead));
    }

    [Fact]
    public async Task Prefetch_count_bounds_the_unacknowledged_deliveries_of_a_subscription()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("s", "/queue/prefetched", "client-individual", new StompHeader("prefetch-count", "2"));
        await SendAllAsync(broker, "/queue/prefetched", 5);

        var first = await client.ReceiveAsync();
        await client.ReceiveAsync();
        await Wait.UntilAsync(() => Counts(broker, "prefetched") == (3, 2), "two out, three waiting");
        Assert.True(client.NothingReceived);

        await client.SendAsync(StompCommand.Ack, new StompHeader("id", first["ack"]!));
        Assert.Equal("m2", Text(await client.ReceiveAsync()));
        await Wait.UntilAsync(() => Counts(broker, "prefetched") == (2, 2), "still two out");
    }

    [Fact]
    public async Task Unacknowledged_messages_go_back_to_the_queue_when_the_connection_ends()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var careless = await StompTestClient.ConnectAsync(broker.StompPort))
        {
            await careless.SubscribeAsync("s", "/queue/returned", "client");
            await SendAllAsync(broker, "/queue/returned", 2);
            await careless.ReceiveAsync();
            await careless.ReceiveAsync();
        }

        await using var next = await StompTestClient.ConnectAsync(broker.StompPort);
        await next.SubscribeAsync("s", "/queue/returned", "client-individual");
        var again = new[] { await next.ReceiveAsync(), await next.ReceiveAsync() };
        Assert.Equal(["m0", "m1"], again.Select(Text));
        Assert.All(again, m => Assert.Equal("true", m["redelivered"]));
    }

    [Fact]
    public async Task An_ACK_naming_no_unacknowledged_message_is_an_error()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Ack, new("id", "T_s@@session-x@@1"), new("receipt", "r"));

        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Equal("r", error["receipt-id"]);
        await client.WaitClosedAsync();
    }
}
