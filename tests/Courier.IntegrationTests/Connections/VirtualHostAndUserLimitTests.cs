using System.Net;
using System.Text.Json.Nodes;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Management;
using Courier.IntegrationTests.Mqtt;
using Courier.IntegrationTests.Stomp;
using Courier.Stomp.Frames;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// RabbitMQ's vhost limits (<c>max-connections</c>, <c>max-queues</c>) and user limits
/// (<c>max-connections</c>, <c>max-channels</c>), set through the management API and enforced for
/// every protocol with its own error and RabbitMQ's texts (issue 13, "Limits").
/// </summary>
public sealed class VirtualHostAndUserLimitTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "courier-limits-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_vhost_connection_limit_refuses_every_protocol_with_its_error_until_it_is_removed()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/vhosts/limited", new { });
        await api.PutAsync("api/permissions/limited/guest", new { configure = ".*", write = ".*", read = ".*" });
        await api.PutAsync("api/vhost-limits/limited/max-connections", new { value = 1 }, HttpStatusCode.NoContent);
        Assert.Equal(1, (await api.GetAsync("api/vhost-limits/limited"))[0]!["value"]!["max-connections"]!.GetValue<int>());

        await using var first = await broker.ConnectAsync(f => f.VirtualHost = "limited");
        var refused = await AuthenticationTests.ConnectExpectingRefusalAsync(broker, "guest", "guest", "limited");
        Assert.Equal(AmqpConstants.NotAllowed, refused.ReplyCode);
        Assert.Equal("NOT_ALLOWED - access to vhost 'limited' refused for user 'guest': connection limit (1) is reached", refused.ReplyText);

        // Other vhosts are not limited.
        await using (var other = await broker.ConnectAsync())
        {
            Assert.True(other.IsOpen);
        }

        foreach (var (version, code) in new[] { (MqttProtocolVersion.V500, MqttClientConnectResultCode.QuotaExceeded), (MqttProtocolVersion.V311, MqttClientConnectResultCode.ServerUnavailable) })
        {
            Assert.Equal(code, (await MqttClients.ConnAckAsync(broker, version, o => o.WithCredentials("limited:guest", "guest"))).ResultCode);
        }

        Assert.Equal("access to vhost 'limited' refused for user 'guest': connection limit (1) is reached", await StompTestClient.ConnectExpectingErrorAsync(broker.StompPort, "limited"));

        // Removed: the next connection gets in; 0 refuses all, even the first.
        await api.DeleteAsync("api/vhost-limits/limited/max-connections");
        Assert.Empty((await api.GetAsync("api/vhost-limits")).AsArray());
        await using (var second = await broker.ConnectAsync(f => f.VirtualHost = "limited"))
        {
            Assert.True(second.IsOpen);
        }

        await api.PutAsync("api/vhost-limits/%2F/max-connections", new { value = 0 }, HttpStatusCode.NoContent);
        Assert.Equal(AmqpConstants.NotAllowed, (await AuthenticationTests.ConnectExpectingRefusalAsync(broker, "guest", "guest", "/")).ReplyCode);
    }

    [Fact]
    public async Task A_user_connection_limit_and_channel_limit_refuse_with_RabbitMQs_530()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/users/capped", new { password = "pw", tags = "", limits = new Dictionary<string, int> { ["max-connections"] = 1 } });
        await api.PutAsync("api/permissions/%2F/capped", new { configure = ".*", write = ".*", read = ".*" });
        await api.PutAsync("api/user-limits/capped/max-channels", new { value = 2 }, HttpStatusCode.NoContent);
        var listed = Assert.Single((await api.GetAsync("api/user-limits")).AsArray())!;
        Assert.Equal("capped", listed["user"]!.GetValue<string>());
        Assert.Equal(1, listed["value"]!["max-connections"]!.GetValue<int>());
        Assert.Equal(2, listed["value"]!["max-channels"]!.GetValue<int>());
        Assert.Equal(2, (await api.GetAsync("api/users/capped"))["limits"]!["max-channels"]!.GetValue<int>());

        await using var connection = await broker.ConnectAsync(f => (f.UserName, f.Password) = ("capped", "pw"));
        var refused = await AuthenticationTests.ConnectExpectingRefusalAsync(broker, "capped", "pw", "/");
        Assert.Equal(AmqpConstants.NotAllowed, refused.ReplyCode);
        Assert.Equal("NOT_ALLOWED - connection refused for user 'capped': user connection limit (1) is reached", refused.ReplyText);

        // The guest user is not limited by capped's limits.
        await using (var guest = await broker.ConnectAsync())
        {
            Assert.True(guest.IsOpen);
        }

        // Two channels; a channel closed gives its slot back; the third open channel closes the connection with 530.
        var one = await connection.CreateChannelAsync();
        var two = await connection.CreateChannelAsync();
        await two.CloseAsync();
        await using var again = await connection.CreateChannelAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => connection.CreateChannelAsync());
        Assert.NotNull(error);
        await Wait.UntilAsync(() => !connection.IsOpen, "the connection to be closed");
        Assert.Equal(AmqpConstants.NotAllowed, connection.CloseReason!.ReplyCode);
        Assert.Equal("NOT_ALLOWED - number of channels opened for user 'capped' has reached the maximum allowed user limit of (2)", connection.CloseReason.ReplyText);
        one.Dispose();

        // Everything the closed connection held is given back.
        await Wait.UntilAsync(() => broker.Host.Broker.Limits.ConnectionsOf("capped") == 0 && broker.Host.Broker.Limits.ChannelsOf("capped") == 0, "capped's connection and channels to be given back");
        await using var next = await broker.ConnectAsync(f => (f.UserName, f.Password) = ("capped", "pw"));
        Assert.True(next.IsOpen);
    }

    [Fact]
    public async Task A_vhost_queue_limit_refuses_AMQP_declares_with_406_and_MQTT_and_STOMP_subscriptions_with_their_refusals()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/vhosts/few", new { limits = new Dictionary<string, int> { ["max-queues"] = 2 } });
        await api.PutAsync("api/permissions/few/guest", new { configure = ".*", write = ".*", read = ".*" });

        await using var connection = await broker.ConnectAsync(f => f.VirtualHost = "few");
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("one", durable: true, exclusive: false, autoDelete: false);
            await channel.QueueDeclareAsync("two", durable: false, exclusive: false, autoDelete: false);

            // Redeclaring an existing queue is not a new queue.
            await channel.QueueDeclareAsync("one", durable: true, exclusive: false, autoDelete: false);
            var error = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclareAsync("three", durable: true, exclusive: false, autoDelete: false));
            Assert.Equal(AmqpConstants.PreconditionFailed, error.ShutdownReason!.ReplyCode);
            Assert.Equal("PRECONDITION_FAILED - cannot declare queue 'three': queue limit in vhost 'few' (2) is reached", error.ShutdownReason.ReplyText);
        }

        Assert.True(connection.IsOpen);
        foreach (var (version, code) in new[] { (MqttProtocolVersion.V500, MqttClientSubscribeResultCode.QuotaExceeded), (MqttProtocolVersion.V311, MqttClientSubscribeResultCode.UnspecifiedError) })
        {
            await using var mqtt = await MqttClients.ConnectAsync(broker, version, configure: o => o.WithCredentials("few:guest", "guest"));
            var result = await mqtt.Client.SubscribeAsync(new MqttClientFactory().CreateSubscribeOptionsBuilder().WithTopicFilter("t/1", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.Equal(code, Assert.Single(result.Items).ResultCode);
            Assert.True(mqtt.Client.IsConnected);
        }

        await using (var stomp = await StompTestClient.ConnectAsync(broker.StompPort, headers: [new("host", "few"), new("login", "guest"), new("passcode", "guest")]))
        {
            await stomp.SendAsync(StompCommand.Subscribe, new("id", "s1"), new("destination", "/queue/stomp-new"));
            var error = await stomp.ReceiveAsync();
            Assert.Equal(StompCommand.Error, error.Command);
            Assert.Equal("cannot declare queue 'stomp-new': queue limit in vhost 'few' (2) is reached", error["message"]);
            await stomp.WaitClosedAsync();
        }

        // Raised: the declare succeeds.
        await api.PutAsync("api/vhost-limits/few/max-queues", new { value = 3 }, HttpStatusCode.NoContent);
        await using var retry = await connection.CreateChannelAsync();
        await retry.QueueDeclareAsync("three", durable: true, exclusive: false, autoDelete: false);
    }

    [Fact]
    public async Task Limits_are_saved_with_the_definitions_exported_as_RabbitMQ_does_and_imported_back()
    {
        JsonNode exported;
        await using (var broker = await TestBroker.StartAsync(null, "--data-dir", _dataDir))
        {
            using var api = new ManagementClient(broker);
            await api.PutAsync("api/vhosts/saved", new { });
            await api.PutAsync("api/vhost-limits/saved/max-queues", new { value = 7 }, HttpStatusCode.NoContent);
            await api.PutAsync("api/user-limits/guest/max-channels", new { value = 9 }, HttpStatusCode.NoContent);
        }

        await using (var restarted = await TestBroker.StartAsync(null, "--data-dir", _dataDir))
        {
            using var api = new ManagementClient(restarted);
            Assert.Equal(7, (await api.GetAsync("api/vhost-limits/saved"))[0]!["value"]!["max-queues"]!.GetValue<int>());
            Assert.Equal(9, (await api.GetAsync("api/user-limits/guest"))[0]!["value"]!["max-channels"]!.GetValue<int>());

            // As RabbitMQ 3.10 exports them: a user's limits on the user, a vhost's as a vhost-limits runtime parameter.
            exported = await api.GetAsync("api/definitions");
            var guest = exported["users"]!.AsArray().Single(u => u!["name"]!.GetValue<string>() == "guest")!;
            Assert.Equal(9, guest["limits"]!["max-channels"]!.GetValue<int>());
            var parameter = Assert.Single(exported["parameters"]!.AsArray())!;
            Assert.Equal("vhost-limits", parameter["component"]!.GetValue<string>());
            Assert.Equal("limits", parameter["name"]!.GetValue<string>());
            Assert.Equal("saved", parameter["vhost"]!.GetValue<string>());
            Assert.Equal(7, parameter["value"]!["max-queues"]!.GetValue<int>());
        }

        await using var other = await TestBroker.StartAsync();
        using var otherApi = new ManagementClient(other);
        await otherApi.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", exported.ToJsonString());
        Assert.Equal(7, other.Host.Broker.Limits.VirtualHostLimit("saved", "max-queues"));
        Assert.Equal(9, other.Host.Broker.Limits.UserLimit("guest", "max-channels"));

        // What is not a limit is refused, not ignored.
        Assert.Contains("unknown vhost limit 'max-exchanges'", await otherApi.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/vhost-limits/saved/max-exchanges", new { value = 1 }), StringComparison.Ordinal);
        Assert.Contains("max-channels", await otherApi.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/vhost-limits/saved/max-channels", new { value = 1 }), StringComparison.Ordinal);
        await otherApi.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/user-limits/nobody/max-channels", new { value = 1 });
        await otherApi.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "api/definitions", new { parameters = new[] { new { component = "federation-upstream", name = "x", vhost = "/", value = new { } } } });
    }
}
