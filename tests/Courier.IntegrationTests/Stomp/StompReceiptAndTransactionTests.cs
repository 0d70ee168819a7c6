using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;

namespace Courier.IntegrationTests.Stomp;

/// <summary>RECEIPT for every frame that asks, in order; BEGIN, COMMIT and ABORT over SEND and ACK.</summary>
public sealed class StompReceiptAndTransactionTests
{
    private static string Text(StompFrame frame) => Encoding.UTF8.GetString(frame.Body.Span);

    [Fact]
    public async Task Every_frame_with_a_receipt_is_answered_in_order()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SendAsync(StompCommand.Subscribe, new("id", "s"), new("destination", "/queue/receipts"), new("receipt", "1"));
        await client.SendAsync(new StompFrame(StompCommand.Send, [new("destination", "/queue/other"), new("persistent", "true"), new("receipt", "2")], "x"u8.ToArray()));
        await client.SendAsync(StompCommand.Begin, new("transaction", "t"), new("receipt", "3"));
        await client.SendAsync(StompCommand.Abort, new("transaction", "t"), new("receipt", "4"));
        await client.SendAsync(StompCommand.Unsubscribe, new("id", "s"), new("receipt", "5"));

        for (var i = 1; i <= 5; i++)
        {
            var receipt = await client.ReceiveAsync();
            Assert.Equal(StompCommand.Receipt, receipt.Command);
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), receipt["receipt-id"]);
        }
    }

    [Fact]
    public async Task SENDs_in_a_transaction_are_delivered_at_COMMIT_and_dropped_at_ABORT()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var consumer = await StompTestClient.ConnectAsync(broker.StompPort);
        await consumer.SubscribeAsync("s", "/queue/tx");
        await using var producer = await StompTestClient.ConnectAsync(broker.StompPort);

        await producer.SendAsync(StompCommand.Begin, new StompHeader("transaction", "dropped"));
        await producer.SendTextAsync("/queue/tx", "never", new StompHeader("transaction", "dropped"));
        await producer.SendWithReceiptAsync(new StompFrame(StompCommand.Abort, [new("transaction", "dropped")]), "aborted");

        await producer.SendAsync(StompCommand.Begin, new StompHeader("transaction", "kept"));
        await producer.SendTextAsync("/queue/tx", "one", new StompHeader("transaction", "kept"));
        await producer.SendTextAsync("/queue/tx", "two", new StompHeader("transaction", "kept"));
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue("tx", out var queue));
        Assert.Equal(0, queue.MessageCount + queue.UnsettledCount);
        Assert.True(consumer.NothingReceived);

        await producer.SendWithReceiptAsync(new StompFrame(StompCommand.Commit, [new("transaction", "kept")]), "committed");

        Assert.Equal("one", Text(await consumer.ReceiveAsync()));
        Assert.Equal("two", Text(await consumer.ReceiveAsync()));
    }

    [Fact]
    public async Task ACKs_in_a_transaction_take_effect_at_COMMIT()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SubscribeAsync("s", "/queue/tx-ack", "client-individual");
        await client.SendTextAsync("/queue/tx-ack", "work");
        var message = await client.ReceiveAsync();
        Assert.True(broker.Host.Broker.TryGetVirtualHost("/", out var vhost));
        Assert.True(vhost.TryGetQueue("tx-ack", out var queue));

        await client.SendAsync(StompCommand.Begin, new StompHeader("transaction", "t"));
        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Ack, [new("id", message["ack"]!), new("transaction", "t")]), "held");
        Assert.Equal(1, queue.UnsettledCount);

        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Commit, [new("transaction", "t")]), "done");
        await Wait.UntilAsync(() => queue.UnsettledCount == 0, "the ACK applied at commit");
    }

    [Fact]
    public async Task A_frame_naming_an_unknown_transaction_is_an_error()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = true;
        await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
        await client.SendTextAsync("/queue/q", "x", new StompHeader("transaction", "nope"));

        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        Assert.Contains("nope", error["message"]);
    }
}
