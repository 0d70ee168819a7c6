using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using Courier.IntegrationTests.Reliability;
using static Courier.IntegrationTests.Deduplication.DeduplicationShortcuts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Deduplication;

/// <summary>
/// The plugin's queue argument <c>x-message-deduplication</c>: the queue refuses (the publisher
/// gets basic.nack) a message whose <c>x-deduplication-header</c> one of its messages carries, until
/// that message leaves the queue; the keys of a durable queue's messages hold across a SIGKILL.
/// </summary>
public sealed class DeduplicationQueueTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, object?> Deduplicating = new() { ["x-message-deduplication"] = true };

    [Fact]
    public async Task A_duplicate_of_a_message_in_the_queue_is_nacked_until_that_message_is_acked()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await channel.DeclareQueueAsync("unique", Deduplicating);

        await channel.PublishTextAsync(string.Empty, "unique", "first", Keyed("k"));
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "unique", "second", Keyed("k")));
        await channel.PublishTextAsync(string.Empty, "unique", "other key", Keyed("other"));
        await channel.PublishTextAsync(string.Empty, "unique", "no key");
        await channel.PublishTextAsync(string.Empty, "unique", "no key");

        // Delivered and requeued, the message still holds its key; acked, it frees it.
        var delivered = await channel.BasicGetAsync("unique", autoAck: false);
        Assert.NotNull(delivered);
        await channel.BasicNackAsync(delivered.DeliveryTag, multiple: false, requeue: true);
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "unique", "third", Keyed("k")));
        delivered = await channel.BasicGetAsync("unique", autoAck: false);
        Assert.NotNull(delivered);
        await channel.BasicAckAsync(delivered.DeliveryTag, multiple: false);
        await channel.PublishTextAsync(string.Empty, "unique", "fourth", Keyed("k"));

        Assert.Equal(["other key", "no key", "no key", "fourth"], await channel.DrainAsync("unique"));
    }

    [Fact]
    public async Task A_purged_message_frees_its_key()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await channel.DeclareQueueAsync("unique", Deduplicating);
        await channel.PublishTextAsync(string.Empty, "unique", "first", Keyed("k"));

        await channel.QueuePurgeAsync("unique");
        await channel.PublishTextAsync(string.Empty, "unique", "after purge", Keyed("k"));

        Assert.Equal(["after purge"], await channel.DrainAsync("unique"));
    }

    [Fact]
    public async Task A_value_that_is_not_a_boolean_is_refused_with_406()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.DeclareQueueAsync("unique", new Dictionary<string, object?> { ["x-message-deduplication"] = "yes" }));

        Assert.Contains("x-message-deduplication", reason.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_keys_of_a_durable_queues_messages_hold_across_a_sigkill()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await channel.QueueDeclareAsync("unique", durable: true, exclusive: false, autoDelete: false, Deduplicating);
        await channel.PublishTextAsync(string.Empty, "unique", "kept", Keyed("k"));

        await broker.KillAsync();
        await broker.RestartAsync();

        connection = await broker.ConnectAsync();
        channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "unique", "again", Keyed("k")));
        Assert.Equal(["kept"], await channel.DrainAsync("unique"));
        await channel.PublishTextAsync(string.Empty, "unique", "after", Keyed("k"));
        Assert.Equal(["after"], await channel.DrainAsync("unique"));
        await connection.CloseAsync();
    }
}
