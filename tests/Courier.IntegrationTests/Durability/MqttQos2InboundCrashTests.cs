using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.Mqtt.Packets;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Inbound QoS 2 of a persistent session across SIGKILL: a PUBLISH the broker acknowledged with
/// PUBREC, sent again with DUP after the restart (the client never got the PUBREC, say), is
/// acknowledged and not routed a second time; once released, its packet id is free again.
/// </summary>
/// <remarks>Raw clients on both sides, so the test chooses the packet ids and sees the flags.</remarks>
public sealed class MqttQos2InboundCrashTests(ITestOutputHelper output)
{
    private const ushort PacketId = 7;

    [Fact]
    public async Task A_Qos2_publish_sent_again_after_SIGKILL_is_acknowledged_not_routed_twice()
    {
        var port = MqttSessionCrashTests.FreePort();
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--mqtt-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // 1. A persistent subscriber's queue (durable), left while it is away.
        await using (var subscriber = await RawMqttClient.ConnectAsync(port))
        {
            Assert.False((await subscriber.ConnectAsync(Connect("qos2in-subscriber", cleanStart: true))).SessionPresent);
            await subscriber.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("qos2in/#", MqttQos.AtLeastOnce)] });
            Assert.IsType<MqttSubAck>(await subscriber.ReceiveAsync());
            await subscriber.SendAsync(new MqttDisconnect());
        }

        // 2. A persistent publisher: one QoS 2 publish, PUBREC received, no PUBREL yet.
        await using (var publisher = await RawMqttClient.ConnectAsync(port))
        {
            Assert.False((await publisher.ConnectAsync(Connect("qos2in-publisher", cleanStart: true))).SessionPresent);
            await publisher.SendAsync(Publish("once", dup: false));
            var received = Assert.IsType<MqttPubRec>(await publisher.ReceiveAsync());
            Assert.Equal((PacketId, MqttReasonCode.Success), (received.PacketId, received.ReasonCode));
        }

        // 3. kill -9 and start again on the same data directory.
        await broker.KillAsync();
        await broker.RestartAsync();

        // 4. The publisher is back with its session and sends the publish again: PUBREC, PUBREL, PUBCOMP.
        //    Then the same id for a new message, which is routed.
        await using (var publisher = await RawMqttClient.ConnectAsync(port))
        {
            Assert.True((await publisher.ConnectAsync(Connect("qos2in-publisher", cleanStart: false))).SessionPresent);
            await publisher.SendAsync(Publish("once", dup: true));
            Assert.Equal(PacketId, Assert.IsType<MqttPubRec>(await publisher.ReceiveAsync()).PacketId);
            await publisher.SendAsync(new MqttPubRel { PacketId = PacketId });
            var completed = Assert.IsType<MqttPubComp>(await publisher.ReceiveAsync());
            Assert.Equal((PacketId, MqttReasonCode.Success), (completed.PacketId, completed.ReasonCode));

            await publisher.SendAsync(Publish("marker", dup: false));
            Assert.Equal(PacketId, Assert.IsType<MqttPubRec>(await publisher.ReceiveAsync()).PacketId);
            await publisher.SendAsync(new MqttPubRel { PacketId = PacketId });
            Assert.IsType<MqttPubComp>(await publisher.ReceiveAsync());
        }

        // 5. The subscriber gets the message once, then the marker.
        await using var back = await RawMqttClient.ConnectAsync(port);
        Assert.True((await back.ConnectAsync(Connect("qos2in-subscriber", cleanStart: false))).SessionPresent);
        var texts = new List<string>();
        while (!texts.Contains("marker") && texts.Count < 5)
        {
            var publish = Assert.IsType<MqttPublish>(await back.ReceiveAsync());
            texts.Add(Encoding.UTF8.GetString(publish.Payload.Span));
            await back.SendAsync(new MqttPubAck { PacketId = publish.PacketId });
        }

        Assert.Equal(["once", "marker"], texts);
        broker.AssertNoErrorsLogged();
    }

    private static MqttPublish Publish(string text, bool dup) => new()
    {
        Topic = "qos2in/a",
        QoS = MqttQos.ExactlyOnce,
        PacketId = PacketId,
        Dup = dup,
        Payload = Encoding.UTF8.GetBytes(text),
    };

    private static MqttConnect Connect(string clientId, bool cleanStart) => new()
    {
        ProtocolVersion = MqttProtocolVersion.V500,
        ClientId = clientId,
        CleanStart = cleanStart,
        KeepAlive = 60,
        Properties = new MqttProperties { SessionExpiryInterval = 3600 },
    };
}
