using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using Courier.Mqtt.Packets;
using MQTTnet;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// QoS 2 to a persistent session across SIGKILL: no message is handed to the subscriber twice as
/// new. A delivery it had not acknowledged comes back with the packet id it went out with and DUP
/// set (so the client recognises it); one it had acknowledged with PUBREC is not sent again, its
/// PUBREL is.
/// </summary>
/// <remarks>A raw client plays the subscriber, so the test sees the packet ids and flags themselves.</remarks>
public sealed class MqttQos2CrashTests(ITestOutputHelper output)
{
    private const string ClientId = "qos2-crash-subscriber";

    [Fact]
    public async Task Qos2_deliveries_in_progress_come_back_after_SIGKILL_with_their_packet_ids_and_no_duplicate()
    {
        var port = MqttSessionCrashTests.FreePort();
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--mqtt-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // 1. A persistent v5 subscriber at QoS 2.
        var subscriber = await RawMqttClient.ConnectAsync(port);
        Assert.False((await subscriber.ConnectAsync(Connect(cleanStart: true))).SessionPresent);
        await subscriber.SendAsync(new MqttSubscribe { PacketId = 1, Subscriptions = [new MqttSubscription("qos2crash/#", MqttQos.ExactlyOnce)] });
        Assert.Equal([(byte)MqttQos.ExactlyOnce], Assert.IsType<MqttSubAck>(await subscriber.ReceiveAsync()).ReasonCodes);

        // 2. Three QoS 2 messages, each completed (PUBCOMP) for the publisher.
        var factory = new MqttClientFactory();
        using (var publisher = factory.CreateMqttClient())
        {
            await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("qos2-crash-publisher").Build());
            for (var i = 0; i < 3; i++)
            {
                var reply = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"qos2crash/{i}").WithPayload($"message {i}").WithQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.ExactlyOnce).Build());
                Assert.True(reply.IsSuccess);
            }
        }

        // 3. The subscriber gets all three; it acknowledges the first (PUBREC, and sees PUBREL) and not the others.
        var delivered = new List<MqttPublish>();
        for (var i = 0; i < 3; i++)
        {
            delivered.Add(Assert.IsType<MqttPublish>(await subscriber.ReceiveAsync()));
        }

        Assert.Equal(["message 0", "message 1", "message 2"], delivered.Select(Text));
        Assert.All(delivered, p => Assert.False(p.Dup));
        await subscriber.SendAsync(new MqttPubRec { PacketId = delivered[0].PacketId });
        Assert.Equal(delivered[0].PacketId, Assert.IsType<MqttPubRel>(await subscriber.ReceiveAsync()).PacketId);

        // 4. kill -9 and start again on the same data directory.
        await broker.KillAsync();
        await subscriber.DisposeAsync();
        await broker.RestartAsync();

        // 5. Back with the session: PUBREL for the first again; the other two with their ids and DUP; the first never again.
        await using var back = await RawMqttClient.ConnectAsync(port);
        Assert.True((await back.ConnectAsync(Connect(cleanStart: false))).SessionPresent);
        var released = new List<ushort>();
        var again = new List<MqttPublish>();
        while (released.Count + again.Count < 3)
        {
            switch (await back.ReceiveAsync())
            {
                case MqttPubRel release:
                    released.Add(release.PacketId);
                    break;
                case MqttPublish publish:
                    again.Add(publish);
                    break;
                case var other:
                    Assert.Fail($"unexpected {other}");
                    break;
            }
        }

        Assert.Equal([delivered[0].PacketId], released);
        Assert.Equal(["message 1", "message 2"], again.Select(Text).Order());
        foreach (var publish in again)
        {
            var before = delivered.Single(d => Text(d) == Text(publish));
            Assert.Equal(before.PacketId, publish.PacketId);
            Assert.True(publish.Dup);
        }

        // 6. Finishing every exchange leaves nothing more to come.
        await back.SendAsync(new MqttPubComp { PacketId = delivered[0].PacketId });
        foreach (var publish in again)
        {
            await back.SendAsync(new MqttPubRec { PacketId = publish.PacketId });
            Assert.Equal(publish.PacketId, Assert.IsType<MqttPubRel>(await back.ReceiveAsync()).PacketId);
            await back.SendAsync(new MqttPubComp { PacketId = publish.PacketId });
        }

        await back.SendAsync(MqttPingReq.Instance);
        Assert.IsType<MqttPingResp>(await back.ReceiveAsync());
        broker.AssertNoErrorsLogged();
    }

    private static MqttConnect Connect(bool cleanStart) => new()
    {
        ProtocolVersion = MqttProtocolVersion.V500,
        ClientId = ClientId,
        CleanStart = cleanStart,
        KeepAlive = 60,
        Properties = new MqttProperties { SessionExpiryInterval = 3600 },
    };

    private static string Text(MqttPublish publish) => Encoding.UTF8.GetString(publish.Payload.Span);
}
