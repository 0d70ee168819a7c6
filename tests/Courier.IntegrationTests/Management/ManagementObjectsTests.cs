using System.Net;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Management;

/// <summary>Vhosts, users, permissions, exchanges, queues and bindings through the API, seen by AMQP clients.</summary>
public sealed class ManagementObjectsTests
{
    [Fact]
    public async Task A_user_created_through_the_API_logs_in_over_AMQP_and_HTTP_with_its_password()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/vhosts/shop", new { description = "the shop" });
        await api.PutAsync("api/users/alice", new { password = "wonder", tags = "management" });
        await api.PutAsync("api/permissions/shop/alice", new { configure = ".*", write = ".*", read = ".*" });

        await using var connection = await broker.ConnectAsync(f => { f.UserName = "alice"; f.Password = "wonder"; f.VirtualHost = "shop"; });
        Assert.True(connection.IsOpen);
        using var alice = new ManagementClient(broker, "alice", "wonder");
        Assert.Equal("alice", (await alice.GetAsync("api/whoami"))["name"]!.GetValue<string>());

        var user = await api.GetAsync("api/users/alice");
        Assert.Equal("rabbit_password_hashing_sha256", user["hashing_algorithm"]!.GetValue<string>());
        Assert.Equal(36, Convert.FromBase64String(user["password_hash"]!.GetValue<string>()).Length);
        Assert.Equal("the shop", (await api.GetAsync("api/vhosts/shop"))["description"]!.GetValue<string>());
        var permission = await api.GetAsync("api/permissions/shop/alice");
        Assert.Equal(".*", permission["configure"]!.GetValue<string>());
        Assert.Single((await api.GetAsync("api/vhosts/shop/permissions")).AsArray(), p => p!["user"]!.GetValue<string>() == "alice");

        await api.PutAsync("api/users/alice", new { tags = "management,monitoring" }, HttpStatusCode.NoContent);
        Assert.Equal(2, (await alice.GetAsync("api/whoami"))["tags"]!.AsArray().Count);

        await api.DeleteAsync("api/permissions/shop/alice");
        await api.DeleteAsync("api/users/alice");
        await api.DeleteAsync("api/users/alice", HttpStatusCode.NotFound);
        await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(f => { f.UserName = "alice"; f.Password = "wonder"; f.VirtualHost = "shop"; }));
    }

    [Fact]
    public async Task Topic_permissions_are_set_listed_and_deleted()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/topic-permissions/%2F/guest", new { exchange = "amq.topic", write = "^a\\.", read = ".*" });
        var listed = (await api.GetAsync("api/topic-permissions")).AsArray();
        Assert.Equal("^a\\.", Assert.Single(listed)!["write"]!.GetValue<string>());
        Assert.Single((await api.GetAsync("api/topic-permissions/%2F/guest")).AsArray());
        await api.DeleteAsync("api/topic-permissions/%2F/guest");
        Assert.Empty((await api.GetAsync("api/topic-permissions")).AsArray());
    }

    [Fact]
    public async Task Deleting_a_vhost_closes_its_connections_and_drops_its_queues()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/vhosts/temp", new { });
        await api.PutAsync("api/permissions/temp/guest", new { configure = ".*", write = ".*", read = ".*" });
        await api.PutAsync("api/queues/temp/q", new { durable = true });
        await using var connection = await broker.ConnectAsync(f => f.VirtualHost = "temp");
        string? reason = null;
        connection.ConnectionShutdownAsync += (_, e) => { reason = e.ReplyText; return Task.CompletedTask; };

        await api.DeleteAsync("api/vhosts/temp");
        await Wait.UntilAsync(() => reason is not null, "the connection to be closed");
        Assert.Contains("temp", reason, StringComparison.Ordinal);
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/vhosts/temp");
        Assert.DoesNotContain((await api.GetAsync("api/queues")).AsArray(), q => q!["vhost"]!.GetValue<string>() == "temp");
        await api.DeleteAsync("api/vhosts/temp", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Exchanges_are_declared_shown_and_deleted_and_redeclaring_differently_is_400()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/exchanges/%2F/events", new { type = "topic", durable = true, arguments = new Dictionary<string, object> { ["alternate-exchange"] = "amq.fanout" } });
        await api.PutAsync("api/exchanges/%2F/events", new { type = "topic", durable = true, arguments = new Dictionary<string, object> { ["alternate-exchange"] = "amq.fanout" } }, HttpStatusCode.NoContent);
        var exchange = await api.GetAsync("api/exchanges/%2F/events");
        Assert.Equal("topic", exchange["type"]!.GetValue<string>());
        Assert.Equal("amq.fanout", exchange["arguments"]!["alternate-exchange"]!.GetValue<string>());
        Assert.Equal("direct", (await api.GetAsync("api/exchanges/%2F/amq.default"))["type"]!.GetValue<string>());
        Assert.Contains((await api.GetAsync("api/exchanges/%2F")).AsArray(), e => e!["name"]!.GetValue<string>() == "events");
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/exchanges/%2F/events", new { type = "fanout" });

        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclarePassiveAsync("events");

        await api.DeleteAsync("api/exchanges/%2F/events");
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/exchanges/%2F/events");
    }

    [Fact]
    public async Task Queues_show_arguments_counts_and_consumers_of_AMQP_clients()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/work", new { durable = true, arguments = new Dictionary<string, object> { ["x-max-length"] = 10, ["x-queue-mode"] = "lazy" } });
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (var i = 0; i < 3; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "work", new byte[] { 1, 2, 3 });
        }

        await channel.BasicQosAsync(0, 1, false);
        var consumer = new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel);
        var delivered = 0;
        consumer.ReceivedAsync += (_, _) => { Interlocked.Increment(ref delivered); return Task.CompletedTask; };
        await channel.BasicConsumeAsync("work", autoAck: false, consumer);
        await Wait.UntilAsync(() => Volatile.Read(ref delivered) == 1, "one delivery");

        var queue = await api.GetAsync("api/queues/%2F/work");
        Assert.Equal(2, queue["messages_ready"]!.GetValue<int>());
        Assert.Equal(1, queue["messages_unacknowledged"]!.GetValue<int>());
        Assert.Equal(3, queue["messages"]!.GetValue<int>());
        Assert.Equal(1, queue["consumers"]!.GetValue<int>());
        Assert.True(queue["durable"]!.GetValue<bool>());
        Assert.False(queue["auto_delete"]!.GetValue<bool>());
        Assert.Equal("running", queue["state"]!.GetValue<string>());
        Assert.Equal(10, queue["arguments"]!["x-max-length"]!.GetValue<long>());
        Assert.Single(queue["consumer_details"]!.AsArray());

        var consumers = (await api.GetAsync("api/consumers")).AsArray();
        Assert.Equal("work", Assert.Single(consumers)!["queue"]!["name"]!.GetValue<string>());
        Assert.Equal("work", (await api.GetAsync("api/queues/%2F")).AsArray().Single()!["name"]!.GetValue<string>());
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/queues/%2F/bad", new { arguments = new Dictionary<string, object> { ["x-max-length"] = "abc" } });
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/queues/%2F/mine", new { exclusive = true });
    }

    [Fact]
    public async Task A_body_naming_a_member_twice_is_400_and_declares_nothing()
    {
        // Found by the management-bodies fuzz target: the duplicate threw from deep inside the
        // endpoint (when the object was first read) instead of being refused as a bad body.
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        var reason = await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/exchanges/%2F/twice",
            "{\"type\":\"topic\",\"internal\":false,\"internal\":true}");
        Assert.Contains("internal", reason);
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/queues/%2F/twice",
            "{\"durable\":true,\"arguments\":{\"x-message-ttl\":10,\"x-message-ttl\":20}}");
        await api.ExpectAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/exchanges/%2F/twice");
        await api.ExpectAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/queues/%2F/twice");
    }

    [Fact]
    public async Task A_permission_pattern_that_is_not_a_regular_expression_is_400()
    {
        // Found by the management-bodies fuzz target: a back-reference to no group threw from the endpoint.
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        var reason = await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/permissions/%2F/guest",
            new { configure = ".*", write = "\\9", read = "" });
        Assert.Contains("not a regular expression", reason);
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/topic-permissions/%2F/guest",
            new { exchange = "amq.topic", write = "(", read = ".*" });
        Assert.Equal(".*", (await api.GetAsync("api/permissions/%2F/guest"))["write"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bindings_between_an_exchange_and_a_queue_or_two_exchanges_are_created_listed_and_deleted()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/exchanges/%2F/source", new { type = "topic" });
        await api.PutAsync("api/exchanges/%2F/fan", new { type = "fanout" });
        await api.PutAsync("api/queues/%2F/sink", new { durable = false });

        using (var created = await api.SendAsync(HttpMethod.Post, "api/bindings/%2F/e/source/q/sink", new { routing_key = "a.*" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("a.%2A", created.Headers.Location?.OriginalString);
        }

        await api.PostAsync("api/bindings/%2F/e/source/e/fan", new { routing_key = "#" }, HttpStatusCode.Created);
        await api.PostAsync("api/bindings/%2F/e/fan/q/sink", new { }, HttpStatusCode.Created);

        var toQueue = Assert.Single((await api.GetAsync("api/bindings/%2F/e/source/q/sink")).AsArray())!;
        Assert.Equal("a.*", toQueue["routing_key"]!.GetValue<string>());
        Assert.Equal("queue", toQueue["destination_type"]!.GetValue<string>());
        Assert.Equal("exchange", Assert.Single((await api.GetAsync("api/bindings/%2F/e/source/e/fan")).AsArray())!["destination_type"]!.GetValue<string>());
        Assert.Equal("~", (await api.GetAsync("api/bindings/%2F/e/fan/q/sink/~"))["properties_key"]!.GetValue<string>());
        Assert.Equal(3, (await api.GetAsync("api/queues/%2F/sink/bindings")).AsArray().Count); // with the default exchange's
        Assert.Equal(2, (await api.GetAsync("api/exchanges/%2F/source/bindings/source")).AsArray().Count);

        // A message published to the topic exchange reaches the queue both ways.
        var routed = await api.PostAsync("api/exchanges/%2F/source/publish", new { properties = new { }, routing_key = "a.b", payload = "m", payload_encoding = "string" });
        Assert.True(routed["routed"]!.GetValue<bool>());
        Assert.Equal(1, (await api.GetAsync("api/queues/%2F/sink"))["messages_ready"]!.GetValue<int>());

        await api.DeleteAsync("api/bindings/%2F/e/source/q/sink/a.%2A");
        await api.DeleteAsync("api/bindings/%2F/e/source/e/fan/%23");
        Assert.Empty((await api.GetAsync("api/bindings/%2F/e/source/q/sink")).AsArray());
        Assert.Empty((await api.GetAsync("api/exchanges/%2F/source/bindings/source")).AsArray());
        await api.DeleteAsync("api/bindings/%2F/e/source/q/sink/a.%2A", HttpStatusCode.NotFound);
    }
}
