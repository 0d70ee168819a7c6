using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// Configure, write and read permissions, checked as RabbitMQ checks them: each refusal is a 403
/// that closes the channel. The user 'bob' may do anything to resources named bob.*, and what the
/// test grants on the rest.
/// </summary>
public sealed class PermissionTests
{
    [Fact]
    public async Task Declaring_a_queue_without_configure_permission_closes_the_channel_with_access_refused()
    {
        await using var broker = await StartWithBobAsync(configure: "^bob\\.", write: ".*", read: ".*");
        await using var bob = await ConnectAsBobAsync(broker);
        await using var channel = await bob.CreateChannelAsync();
        await channel.DeclareQueueAsync("bob.inbox");

        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, bob, channel, () => channel.DeclareQueueAsync("shared"));

        Assert.Equal("ACCESS_REFUSED - configure access to queue 'shared' in vhost '/' refused for user 'bob'", reason.ReplyText);
        Assert.False(broker.HasQueue("shared"));
    }

    [Fact]
    public async Task A_server_named_queue_needs_configure_permission_on_the_name_it_gets()
    {
        await using var broker = await StartWithBobAsync(configure: "^bob\\.", write: ".*", read: ".*");
        await using var bob = await ConnectAsBobAsync(broker);
        await using var channel = await bob.CreateChannelAsync();

        await Refusals.ClosesChannelAsync(Constants.AccessRefused, bob, channel, () => channel.DeclareQueueAsync(string.Empty));

        Assert.Empty(broker.DefaultVirtualHost().Queues);
    }

    [Fact]
    public async Task Publishing_without_write_permission_closes_the_channel_with_access_refused()
    {
        await using var broker = await StartWithBobAsync(configure: "^bob\\.", write: "^bob\\.", read: ".*");
        await using (var guest = await broker.ConnectAsync())
        await using (var setup = await guest.CreateChannelAsync())
        {
            await setup.DeclareQueueAsync("orders");
            await setup.QueueBindAsync("orders", "amq.direct", "orders");
        }

        await using var bob = await ConnectAsBobAsync(broker);
        await using var channel = await bob.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("bob.out", ExchangeType.Fanout);
        var mine = await channel.DeclareQueueAsync("bob.copy");
        await channel.QueueBindAsync(mine, "bob.out", string.Empty);
        await channel.PublishTextAsync("bob.out", string.Empty, "allowed");
        Assert.Equal("allowed", await channel.GetTextAsync(mine));

        await channel.PublishTextAsync("amq.direct", "orders", "refused");

        var reason = await Refusals.ChannelClosedAsync(Constants.AccessRefused, bob, channel);
        Assert.Equal("ACCESS_REFUSED - write access to exchange 'amq.direct' in vhost '/' refused for user 'bob'", reason.ReplyText);
        await using var guestAfter = await broker.ConnectAsync();
        await using var check = await guestAfter.CreateChannelAsync();
        Assert.Equal(0u, await check.ReadyCountAsync("orders"));
    }

    [Fact]
    public async Task Consuming_without_read_permission_closes_the_channel_with_access_refused()
    {
        await using var broker = await StartWithBobAsync(configure: ".*", write: ".*", read: "^bob\\.");
        await using (var guest = await broker.ConnectAsync())
        await using (var setup = await guest.CreateChannelAsync())
        {
            await setup.DeclareQueueAsync("secret");
            await setup.PublishTextAsync(string.Empty, "secret", "classified");
        }

        await using var bob = await ConnectAsBobAsync(broker);
        var consume = await bob.CreateChannelAsync();
        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, bob, consume,
            () => consume.BasicConsumeAsync("secret", autoAck: true, new RecordingConsumer(consume)));
        Assert.Equal("ACCESS_REFUSED - read access to queue 'secret' in vhost '/' refused for user 'bob'", reason.ReplyText);

        var get = await bob.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.AccessRefused, bob, get, () => get.BasicGetAsync("secret", autoAck: true));

        await using var allowed = await bob.CreateChannelAsync();
        await allowed.DeclareQueueAsync("bob.inbox");
        await allowed.PublishTextAsync(string.Empty, "bob.inbox", "mine");
        Assert.Equal("mine", await allowed.GetTextAsync("bob.inbox"));
    }

    [Fact]
    public async Task Binding_a_queue_needs_read_permission_on_the_exchange()
    {
        await using var broker = await StartWithBobAsync(configure: ".*", write: ".*", read: "^bob\\.");
        await using var bob = await ConnectAsBobAsync(broker);
        await using var channel = await bob.CreateChannelAsync();
        await channel.DeclareQueueAsync("bob.inbox");
        await channel.ExchangeDeclareAsync("bob.events", ExchangeType.Direct);
        await channel.QueueBindAsync("bob.inbox", "bob.events", "k");

        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, bob, channel, () => channel.QueueBindAsync("bob.inbox", "amq.direct", "k"));

        Assert.Equal("ACCESS_REFUSED - read access to exchange 'amq.direct' in vhost '/' refused for user 'bob'", reason.ReplyText);
    }

    private static async Task<TestBroker> StartWithBobAsync(string configure, string write, string read)
    {
        var broker = await TestBroker.StartAsync();
        broker.Host.Broker.Users.AddOrReplace("bob", "pw");
        broker.Host.Broker.Users.SetPermission("bob", "/", new Permission(configure, write, read));
        return broker;
    }

    private static Task<IConnection> ConnectAsBobAsync(TestBroker broker) =>
        broker.ConnectAsync(f =>
        {
            f.UserName = "bob";
            f.Password = "pw";
        });
}
