using System.Net;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Management;

/// <summary>Publish, get and purge for testing; connections, channels and closing one with a reason.</summary>
public sealed class ManagementMessagesTests
{
    [Fact]
    public async Task A_message_published_through_the_API_is_consumed_by_an_AMQP_client_with_its_properties()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/inbox", new { durable = true });
        var answer = await api.PostAsync("api/exchanges/%2F/amq.default/publish", new
        {
            properties = new { delivery_mode = 2, content_type = "text/plain", headers = new { source = "api" }, message_id = "m-1" },
            routing_key = "inbox",
            payload = "hello",
            payload_encoding = "string",
        });
        Assert.True(answer["routed"]!.GetValue<bool>());
        var unrouted = await api.PostAsync("api/exchanges/%2F/amq.default/publish", new { properties = new { }, routing_key = "nobody", payload = "aGk=", payload_encoding = "base64" });
        Assert.False(unrouted["routed"]!.GetValue<bool>());

        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var got = await channel.BasicGetAsync("inbox", autoAck: true);
        Assert.NotNull(got);
        Assert.Equal("hello", Encoding.UTF8.GetString(got.Body.Span));
        Assert.Equal("text/plain", got.BasicProperties.ContentType);
        Assert.Equal("m-1", got.BasicProperties.MessageId);
        Assert.Equal(DeliveryModes.Persistent, got.BasicProperties.DeliveryMode);
        Assert.Equal("api", Encoding.UTF8.GetString((byte[])got.BasicProperties.Headers!["source"]!));
    }

    [Fact]
    public async Task Get_takes_messages_with_each_ack_mode_and_purge_empties_the_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/box", new { durable = false });
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicPublishAsync(string.Empty, "box", true, new BasicProperties { Headers = new Dictionary<string, object?> { ["n"] = 1 } }, Encoding.UTF8.GetBytes("first"));
        await channel.BasicPublishAsync(string.Empty, "box", new byte[] { 0xff, 0xfe });
        await Wait.UntilAsync(() => broker.Host.Broker.TryGetVirtualHost("/", out var v) && v.TryGetQueue("box", out var q) && q.MessageCount == 2, "both messages to arrive");

        var peek = (await api.PostAsync("api/queues/%2F/box/get", new { count = 5, ackmode = "ack_requeue_true", encoding = "auto" })).AsArray();
        Assert.Equal(2, peek.Count);
        Assert.Equal("first", peek[0]!["payload"]!.GetValue<string>());
        Assert.Equal("string", peek[0]!["payload_encoding"]!.GetValue<string>());
        Assert.Equal(1, peek[0]!["properties"]!["headers"]!["n"]!.GetValue<long>());
        Assert.Equal("base64", peek[1]!["payload_encoding"]!.GetValue<string>());
        Assert.Equal("//4=", peek[1]!["payload"]!.GetValue<string>());
        Assert.Equal(2, (await api.GetAsync("api/queues/%2F/box"))["messages_ready"]!.GetValue<int>());

        var taken = (await api.PostAsync("api/queues/%2F/box/get", new { count = 1, ackmode = "ack_requeue_false", encoding = "base64" })).AsArray();
        Assert.True(Assert.Single(taken)!["redelivered"]!.GetValue<bool>());
        Assert.Equal(1, taken[0]!["message_count"]!.GetValue<int>());
        Assert.Equal(1, (await api.GetAsync("api/queues/%2F/box"))["messages_ready"]!.GetValue<int>());

        Assert.Contains("ackmode", await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "api/queues/%2F/box/get", new { count = 1, encoding = "auto" }), StringComparison.Ordinal);
        await api.DeleteAsync("api/queues/%2F/box/contents");
        Assert.Equal(0, (await api.GetAsync("api/queues/%2F/box"))["messages"]!.GetValue<int>());
        Assert.Empty((await api.PostAsync("api/queues/%2F/box/get", new { count = 1, ackmode = "reject_requeue_false", encoding = "auto" })).AsArray());
        await api.DeleteAsync("api/queues/%2F/nope/contents", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Connections_and_channels_are_listed_and_DELETE_closes_a_connection_with_the_X_Reason()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync(f => f.ClientProvidedName = "billing");
        await using var first = await connection.CreateChannelAsync();
        await using var second = await connection.CreateChannelAsync();
        string? reason = null;
        connection.ConnectionShutdownAsync += (_, e) => { reason = e.ReplyText; return Task.CompletedTask; };

        var listed = Assert.Single((await api.GetAsync("api/connections")).AsArray())!;
        Assert.Equal("guest", listed["user"]!.GetValue<string>());
        Assert.Equal("/", listed["vhost"]!.GetValue<string>());
        Assert.Equal("AMQP 0-9-1", listed["protocol"]!.GetValue<string>());
        Assert.Equal(2, listed["channels"]!.GetValue<int>());
        Assert.Equal("billing", listed["client_properties"]!["connection_name"]!.GetValue<string>());
        var name = listed["name"]!.GetValue<string>();
        Assert.Equal(2, (await api.GetAsync("api/channels")).AsArray().Count);
        Assert.Equal(2, (await api.GetAsync($"api/connections/{Uri.EscapeDataString(name)}/channels")).AsArray().Count);
        Assert.Equal(name, (await api.GetAsync($"api/connections/{Uri.EscapeDataString(name)}"))["name"]!.GetValue<string>());

        await api.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Delete, $"api/connections/{Uri.EscapeDataString(name)}", configure: r => r.Headers.Add("X-Reason", "maintenance window"));
        await Wait.UntilAsync(() => reason is not null, "the client to see the close");
        Assert.Contains("maintenance window", reason, StringComparison.Ordinal);
        await Wait.UntilAsync(() => broker.Host.Broker.Sessions.All(_ => false), "the session to end");
        Assert.Empty((await api.GetAsync("api/connections")).AsArray());
        await api.DeleteAsync($"api/connections/{Uri.EscapeDataString(name)}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_management_user_sees_and_closes_only_its_own_connections()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = new ManagementClient(broker);
        await admin.PutAsync("api/users/bob", new { password = "b", tags = "management" });
        await admin.PutAsync("api/permissions/%2F/bob", new { configure = ".*", write = ".*", read = ".*" });
        await using var guests = await broker.ConnectAsync();
        await using var bobs = await broker.ConnectAsync(f => { f.UserName = "bob"; f.Password = "b"; });

        // A connection is listed once the broker has registered its session, which can trail the
        // client's open-ok by a moment (RabbitMQ's lists trail by up to its stats interval): wait
        // until the admin sees both, then bob must see exactly his own.
        await admin.GetUntilAsync("api/connections", c => c.AsArray().Count == 2, "both connections listed");
        using var bob = new ManagementClient(broker, "bob", "b");
        var visible = (await bob.GetUntilAsync("api/connections", c => c.AsArray().Count > 0, "bob's connection listed to bob")).AsArray();
        Assert.Equal("bob", Assert.Single(visible)!["user"]!.GetValue<string>());
    }
}
