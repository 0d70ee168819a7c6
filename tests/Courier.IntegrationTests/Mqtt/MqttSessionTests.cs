using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;
using MqttProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion;
using MQTTnet;
using MQTTnet.Formatter;
using V = Courier.Mqtt.Packets.MqttProtocolVersion;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>CONNECT and the life of an MQTT connection: acknowledgement, identity, refusals, keep-alive, take-over, bad input.</summary>
public sealed class MqttSessionTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_client_connects_and_pings(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await MqttClients.ConnectAsync(broker, version);
        Assert.True(client.Client.IsConnected);
        await client.Client.PingAsync();
    }

    [Fact]
    public async Task A_v5_client_without_an_id_is_assigned_one()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(MqttClients.Options(broker, MqttProtocolVersion.V500, clientId: string.Empty).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.False(string.IsNullOrEmpty(result.AssignedClientIdentifier));
        Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.ExactlyOnce, result.MaximumQoS);
        await client.DisconnectAsync();
        client.Dispose();
    }

    [Fact]
    public async Task A_3_1_1_client_without_an_id_and_clean_session_0_is_refused_with_identifier_rejected()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V311, ClientId = string.Empty, CleanStart = false });
        Assert.Equal(0x02, ack.ReasonCode);
        Assert.Empty(await raw.ReadUntilClosedAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task A_3_1_1_client_without_an_id_and_clean_session_is_accepted()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V311, ClientId = string.Empty, CleanStart = true });
        Assert.Equal(0x00, ack.ReasonCode);
    }

    [Theory]
    [InlineData(V.V311, 0x04)]
    [InlineData(V.V500, 0x86)]
    public async Task Bad_credentials_are_refused(V version, byte code)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "intruder", CleanStart = true, UserName = "guest", Password = "wrong"u8.ToArray() });
        Assert.Equal(code, ack.ReasonCode);
        Assert.Empty(await raw.ReadUntilClosedAsync(Wait.DefaultTimeout));
    }

    [Fact]
    public async Task MQTTnet_sees_a_refused_login_as_bad_username_or_password()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = new MqttClientFactory().CreateMqttClient();
        var result = await client.ConnectAsync(MqttClients.Options(broker, MqttProtocolVersion.V500).WithCredentials("guest", "wrong").Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.Equal("login refused for user 'guest'", result.ReasonString);
    }

    [Fact]
    public async Task The_vhost_is_chosen_by_the_username_prefix()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.AddVirtualHost("tenant");
        broker.Host.Broker.SetPermission("guest", "tenant", new Core.Security.Permission(".*", ".*", ".*"));
        await using var inTenant = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311, configure: o => o.WithCredentials("tenant:guest", "guest"));
        await inTenant.SubscribeAsync("t");
        await using var inDefault = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await inDefault.SubscribeAsync("t");
        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311, configure: o => o.WithCredentials("tenant:guest", "guest"));

        await publisher.PublishAsync("t", "for the tenant");
        Assert.Equal("for the tenant", Encoding.UTF8.GetString((await inTenant.NextAsync()).Payload));
        Assert.True(broker.Host.Broker.TryGetVirtualHost("tenant", out var tenant));
        Assert.Contains(tenant.Queues, q => q.Name.StartsWith("mqtt-subscription-", StringComparison.Ordinal));
        Assert.False(inDefault.TryTake(out _));
    }

    [Theory]
    [InlineData(V.V311, 0x05)]
    [InlineData(V.V500, 0x87)]
    public async Task Anonymous_clients_are_refused_when_anonymous_is_off(V version, byte code)
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-allow-anonymous", "false");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "anon", CleanStart = true });
        Assert.Equal(code, ack.ReasonCode);
    }

    [Fact]
    public async Task A_first_packet_other_than_connect_closes_the_connection()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.ErrorsExpected = false;
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        await raw.SendAsync(MqttPingReq.Instance);
        Assert.Empty(await raw.ReadUntilClosedAsync(Wait.DefaultTimeout));
    }

    [Theory]
    [InlineData(V.V311)]
    [InlineData(V.V500)]
    public async Task A_silent_client_is_closed_after_one_and_a_half_keep_alives(V version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "sleepy", CleanStart = true, KeepAlive = 1 });
        Assert.Equal(0, ack.ReasonCode);
        await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(1.5), $"closed after {started.Elapsed}");
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_second_connection_with_the_same_client_id_takes_the_first_over(MqttProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = await MqttClients.ConnectAsync(broker, version, "same-id");
        await first.SubscribeAsync("takeover");
        await using var second = await MqttClients.ConnectAsync(broker, version, "same-id");

        var disconnected = await Wait.ForAsync(first.Disconnected.Task, "the first connection to be closed");
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        }

        await second.SubscribeAsync("takeover");
        await using var publisher = await MqttClients.ConnectAsync(broker, version);
        await publisher.PublishAsync("takeover", "to the new one");
        Assert.Equal("to the new one", Encoding.UTF8.GetString((await second.NextAsync()).Payload));
    }

    [Theory]
    [InlineData(V.V311)]
    [InlineData(V.V500)]
    public async Task A_malformed_packet_closes_only_its_own_connection(V version)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var bystander = await MqttClients.ConnectAsync(broker, version == V.V500 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311);
        await bystander.SubscribeAsync("still/here");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        Assert.Equal(0, (await raw.ConnectAsync(new MqttConnect { ProtocolVersion = version, ClientId = "bad", CleanStart = true })).ReasonCode);

        // PUBLISH with QoS 3: malformed in every version.
        await raw.SendRawAsync([0x36, 0x05, 0x00, 0x01, (byte)'t', 0x00, 0x01]);
        var packets = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        if (version == V.V500)
        {
            var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(packets));
            Assert.Equal(MqttReasonCode.MalformedPacket, disconnect.ReasonCode);
        }
        else
        {
            Assert.Empty(packets);
        }

        await using var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await publisher.PublishAsync("still/here", "fine");
        Assert.Equal("fine", Encoding.UTF8.GetString((await bystander.NextAsync()).Payload));
    }

    [Fact]
    public async Task A_packet_over_the_maximum_size_is_refused_with_packet_too_large()
    {
        await using var broker = await TestBroker.StartAsync(null, "--mqtt-max-packet-size", "1024");
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V500, ClientId = "big", CleanStart = true });
        Assert.Equal(1024u, ack.Properties?.MaximumPacketSize);
        await raw.SendAsync(new MqttPublish { Topic = "big", Payload = new byte[2048] });
        var disconnect = Assert.IsType<MqttDisconnect>(Assert.Single(await raw.ReadUntilClosedAsync(Wait.DefaultTimeout)));
        Assert.Equal(MqttReasonCode.PacketTooLarge, disconnect.ReasonCode);
    }

    [Fact]
    public async Task A_will_is_published_when_a_client_vanishes_and_not_after_disconnect()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311);
        await watcher.SubscribeAsync("wills/#");

        await using (var polite = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            await polite.ConnectAsync(new MqttConnect { ProtocolVersion = V.V311, ClientId = "polite", CleanStart = true, Will = new MqttWill { Topic = "wills/polite", Payload = "gone"u8.ToArray() } });
            await polite.SendAsync(MqttDisconnect.Normal);
            await polite.ReadUntilClosedAsync(Wait.DefaultTimeout);
        }

        await using (var rude = await RawMqttClient.ConnectAsync(broker.MqttPort))
        {
            await rude.ConnectAsync(new MqttConnect { ProtocolVersion = V.V311, ClientId = "rude", CleanStart = true, Will = new MqttWill { Topic = "wills/rude", Payload = "vanished"u8.ToArray(), QoS = MqttQos.AtLeastOnce } });
        }

        var will = await watcher.NextAsync();
        Assert.Equal("wills/rude", will.Topic);
        Assert.Equal("vanished", Encoding.UTF8.GetString(will.Payload));
    }

    [Fact]
    public async Task A_v5_client_past_the_receive_maximum_of_unreleased_qos_2_publishes_is_disconnected_with_0x93()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var raw = await RawMqttClient.ConnectAsync(broker.MqttPort);
        raw.Version = V.V500;
        var ack = await raw.ConnectAsync(new MqttConnect { ProtocolVersion = V.V500, ClientId = "greedy", CleanStart = true });
        Assert.Equal(0x00, ack.ReasonCode);
        var receiveMaximum = ack.Properties!.ReceiveMaximum!.Value;
        Assert.True(receiveMaximum < ushort.MaxValue, "the server announces a Receive Maximum it enforces");

        // QoS 2 publishes never released (no PUBREL): the one past the maximum is a protocol error.
        for (var id = 1; id <= receiveMaximum + 1; id++)
        {
            await raw.SendAsync(new MqttPublish { Topic = "greedy/t", QoS = MqttQos.ExactlyOnce, PacketId = (ushort)id, Payload = "x"u8.ToArray() });
        }

        var received = await raw.ReadUntilClosedAsync(Wait.DefaultTimeout);
        Assert.Equal(receiveMaximum, received.OfType<MqttPubRec>().Count());
        Assert.Equal(0x93, Assert.Single(received.OfType<MqttDisconnect>()).ReasonCode);
    }
}
