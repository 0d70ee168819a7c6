using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>tx.select, tx.commit and tx.rollback: publishes and acks take effect together at commit, or not at all.</summary>
public sealed class TransactionTests
{
    [Fact]
    public async Task Publishes_in_a_transaction_reach_the_queue_only_at_commit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await observer.DeclareQueueAsync("tx");
        await using var channel = await connection.CreateChannelAsync();
        await channel.TxSelectAsync();

        await channel.PublishTextAsync(string.Empty, queue, "m1");
        await channel.PublishTextAsync(string.Empty, queue, "m2");
        // A round trip on the publishing channel proves the broker has handled both publishes.
        await channel.QueueDeclarePassiveAsync(queue);
        Assert.Equal(0u, await observer.ReadyCountAsync(queue));

        await channel.TxCommitAsync();
        Assert.Equal(new[] { "m1", "m2" }, await observer.DrainAsync(queue));
    }

    [Fact]
    public async Task Rollback_discards_the_transactions_publishes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("tx");
        await channel.TxSelectAsync();

        await channel.PublishTextAsync(string.Empty, queue, "discarded");
        await channel.TxRollbackAsync();
        await channel.PublishTextAsync(string.Empty, queue, "kept");
        await channel.TxCommitAsync();

        Assert.Equal(new[] { "kept" }, await channel.DrainAsync(queue));
    }

    [Fact]
    public async Task An_ack_in_a_transaction_settles_the_message_at_commit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await observer.DeclareQueueAsync("tx");
        await observer.PublishTextAsync(string.Empty, queue, "settled");

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.TxSelectAsync();
            var got = await channel.BasicGetAsync(queue, autoAck: false);
            await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);
            await channel.TxCommitAsync();
        }

        Assert.Null(await observer.GetTextAsync(queue));
    }

    [Fact]
    public async Task An_uncommitted_ack_does_not_settle_the_message()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await observer.DeclareQueueAsync("tx");
        await observer.PublishTextAsync(string.Empty, queue, "unsettled");

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.TxSelectAsync();
            var got = await channel.BasicGetAsync(queue, autoAck: false);
            await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);
        }

        var back = await observer.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(back);
        Assert.True(back.Redelivered);
    }

    [Fact]
    public async Task Rollback_discards_acks_and_leaves_the_deliveries_unacknowledged()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var observer = await connection.CreateChannelAsync();
        var queue = await observer.DeclareQueueAsync("tx");
        await observer.PublishTextAsync(string.Empty, queue, "acked twice");

        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.TxSelectAsync();
            var got = await channel.BasicGetAsync(queue, autoAck: false);
            await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);
            await channel.TxRollbackAsync();

            // Still unacknowledged after the rollback, so acking it again is no error.
            await channel.BasicAckAsync(got.DeliveryTag, multiple: false);
            await channel.TxCommitAsync();
            Assert.True(channel.IsOpen);
        }

        Assert.Null(await observer.GetTextAsync(queue));
    }

    [Fact]
    public async Task Acking_an_unknown_delivery_tag_in_a_transaction_closes_the_channel_without_waiting_for_commit()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.TxSelectAsync();

        await channel.BasicAckAsync(42, multiple: false);

        var reason = await Refusals.ChannelClosedAsync(Constants.PreconditionFailed, connection, channel);
        Assert.Equal("PRECONDITION_FAILED - unknown delivery tag 42", reason.ReplyText);
    }

    [Fact]
    public async Task Commit_on_a_channel_that_is_not_transactional_closes_the_channel_with_precondition_failed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel, () => channel.TxCommitAsync());

        Assert.Equal("PRECONDITION_FAILED - channel is not transactional", reason.ReplyText);
    }

    [Fact]
    public async Task A_confirm_channel_cannot_become_transactional()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel, () => channel.TxSelectAsync());

        Assert.Equal("PRECONDITION_FAILED - cannot switch from confirm to tx mode", reason.ReplyText);
    }
}
