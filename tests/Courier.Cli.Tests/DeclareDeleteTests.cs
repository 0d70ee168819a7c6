using System.Text;
using Courier.Cli.Tests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.Cli.Tests;

/// <summary><c>declare</c>, <c>delete</c>, <c>purge</c>, <c>publish</c> and <c>get</c>, checked through an AMQP client.</summary>
public sealed class DeclareDeleteTests
{
    [Fact]
    public async Task A_declared_exchange_queue_and_binding_route_an_AMQP_publish_and_deleting_them_undoes_it()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "exchange", "orders-in", "--type", "topic");
        await broker.OkAsync("declare", "queue", "eu-orders", "--arguments", """{"x-max-length":100}""");
        await broker.OkAsync("declare", "binding", "--source", "orders-in", "--destination", "eu-orders", "--routing-key", "eu.#");
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        await channel.BasicPublishAsync("orders-in", "eu.fr", Encoding.UTF8.GetBytes("bonjour"));
        await channel.BasicPublishAsync("orders-in", "us.ny", Encoding.UTF8.GetBytes("hello"));
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("eu-orders")).MessageCount);
        // Redeclaring with the arguments it was declared with is equivalent; another value is not.
        await channel.QueueDeclareAsync("eu-orders", durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-max-length"] = 100 });

        await broker.OkAsync("delete", "binding", "--source", "orders-in", "--destination", "eu-orders", "--routing-key", "eu.#");
        await channel.BasicPublishAsync("orders-in", "eu.de", Encoding.UTF8.GetBytes("hallo"));
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("eu-orders")).MessageCount);

        await broker.OkAsync("delete", "queue", "eu-orders");
        await broker.OkAsync("delete", "exchange", "orders-in");
        await using var probe = await connection.CreateChannelAsync();
        await Assert.ThrowsAsync<OperationInterruptedException>(() => probe.QueueDeclarePassiveAsync("eu-orders"));
        await using var probe2 = await connection.CreateChannelAsync();
        await Assert.ThrowsAsync<OperationInterruptedException>(() => probe2.ExchangeDeclarePassiveAsync("orders-in"));
    }

    [Fact]
    public async Task Purge_empties_a_queue_an_AMQP_client_filled()
    {
        await using var broker = await CtlBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("backlog", durable: false, exclusive: false, autoDelete: false);
        for (int i = 0; i < 3; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "backlog", Encoding.UTF8.GetBytes($"m{i}"));
        }

        Assert.Equal(3u, (await channel.QueueDeclarePassiveAsync("backlog")).MessageCount);
        Assert.Equal("queue purged: backlog", (await broker.OkAsync("purge", "queue", "backlog")).Trim());
        Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync("backlog")).MessageCount);
    }

    [Fact]
    public async Task Delete_queue_if_empty_refuses_a_queue_with_messages()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "queue", "kept");
        await broker.OkAsync("publish", "--routing-key", "kept", "--payload", "still here");

        var refused = await broker.RunAsync("delete", "queue", "kept", "--if-empty");

        Assert.NotEqual(0, refused.Exit);
        Assert.Equal(1, broker.MessagesIn("kept"));
    }

    [Fact]
    public async Task A_user_vhost_and_permissions_declared_with_courierctl_let_an_AMQP_client_in()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "vhost", "shop", "--description", "the shop");
        await broker.OkAsync("declare", "user", "alice", "--new-password", "wonder", "--tags", "management");
        await broker.OkAsync("--vhost", "shop", "declare", "permission", "alice", "--configure", "^alice-", "--write", ".*", "--read", ".*");

        Assert.Contains((await broker.RunAsync("list", "users")).Rows, r => r.SequenceEqual(["alice", "management"]));
        Assert.Contains((await broker.RunAsync("list", "vhosts")).Rows, r => r.SequenceEqual(["shop", "the shop", "0"]));
        Assert.Contains((await broker.RunAsync("--vhost", "shop", "list", "permissions")).Rows, r => r.SequenceEqual(["alice", "shop", "^alice-", ".*", ".*"]));
        await using (var connection = await broker.ConnectAsync("alice", "wonder", "shop"))
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync("alice-inbox", durable: false, exclusive: false, autoDelete: false);
            await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclareAsync("bob-inbox", durable: false, exclusive: false, autoDelete: false));
        }

        await broker.OkAsync("--vhost", "shop", "delete", "permission", "alice");
        Assert.DoesNotContain((await broker.RunAsync("--vhost", "shop", "list", "permissions")).Rows, r => r[0] == "alice");
        await broker.OkAsync("delete", "user", "alice");
        await broker.OkAsync("delete", "vhost", "shop");
        Assert.DoesNotContain((await broker.RunAsync("list", "vhosts")).Rows, r => r[0] == "shop");
    }

    [Fact]
    public async Task Publish_and_get_carry_a_message_through_the_API()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "queue", "inbox");

        Assert.Equal("message published", (await broker.OkAsync("publish", "--routing-key", "inbox", "--payload", "hello there")).Trim());
        Assert.Equal("message published but not routed", (await broker.OkAsync("publish", "--routing-key", "nowhere", "--payload", "lost")).Trim());
        var peek = await broker.RunAsync("get", "inbox");
        Assert.Equal(["inbox", "0", "false", "string", "hello there"], peek.Rows[1]);
        Assert.Equal(1, broker.MessagesIn("inbox"));
        await broker.OkAsync("get", "inbox", "--ackmode", "ack_requeue_false");
        Assert.Equal(0, broker.MessagesIn("inbox"));
    }
}
