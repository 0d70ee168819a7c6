using System.Net;
using System.Net.Sockets;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A persistent MQTT session survives SIGKILL: every QoS 1 message whose PUBACK the publisher got
/// while the subscriber was away reaches it after the restart, exactly as published, once.
/// </summary>
public sealed class MqttSessionCrashTests(ITestOutputHelper output)
{
    private const int Count = 50;

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Acknowledged_messages_for_an_offline_persistent_session_survive_SIGKILL(MqttProtocolVersion version)
    {
        // 1. Start a node with a known MQTT port (kept across the restart).
        var port = FreePort();
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--mqtt-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var factory = new MqttClientFactory();

        // 2. A persistent subscriber subscribes and goes away.
        await using (var subscriber = new MqttClients.Received(factory.CreateMqttClient()))
        {
            var result = await subscriber.Client.ConnectAsync(Options(port, version, "crash-survivor").Build());
            Assert.False(result.IsSessionPresent);
            await subscriber.SubscribeAsync("crash/#");
        }

        // 3. A publisher publishes N QoS 1 messages and gets every PUBACK.
        using (var publisher = factory.CreateMqttClient())
        {
            await publisher.ConnectAsync(Options(port, MqttProtocolVersion.V500, "crash-publisher").WithCleanSession(true).WithSessionExpiryInterval(0).Build());
            for (var i = 0; i < Count; i++)
            {
                var reply = await publisher.PublishAsync(Message(i));
                Assert.Equal(MqttClientPublishReasonCode.Success, reply.ReasonCode);
            }

            await publisher.DisconnectAsync();
        }

        // 4. kill -9, and start again on the same data directory.
        await broker.KillAsync();
        await broker.RestartAsync();

        // 5. The subscriber comes back with the same client id and clean session 0: every message, as sent, in order, once.
        await using var back = new MqttClients.Received(factory.CreateMqttClient());
        var resumed = await back.Client.ConnectAsync(Options(port, version, "crash-survivor").Build());
        Assert.True(resumed.IsSessionPresent);
        for (var i = 0; i < Count; i++)
        {
            var received = await back.NextAsync();
            var sent = Message(i);
            Assert.Equal(sent.Topic, received.Topic);
            Assert.Equal(Encoding.UTF8.GetString(sent.Payload), Encoding.UTF8.GetString(received.Payload));
            if (version == MqttProtocolVersion.V500)
            {
                Assert.Equal(sent.ContentType, received.ContentType);
                Assert.Equal(sent.ResponseTopic, received.ResponseTopic);
                Assert.Equal(sent.CorrelationData, received.CorrelationData);
                Assert.Equal(sent.UserProperties.Select(Text), received.UserProperties.Select(Text));
            }
        }

        await back.Client.PingAsync();
        Assert.False(back.TryTake(out var extra), $"a message more than was sent: {extra?.Topic}");
        broker.AssertNoErrorsLogged();
    }

    private static MqttApplicationMessage Message(int i) => new MqttApplicationMessageBuilder()
        .WithTopic($"crash/{i % 5}")
        .WithPayload($"message {i}")
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithContentType("text/plain")
        .WithResponseTopic("replies/" + i)
        .WithCorrelationData([(byte)i, 0, 255])
        .WithUserProperty("index", new ReadOnlyMemory<byte>(Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture))))
        .Build();

    private static (string, string) Text(MQTTnet.Packets.MqttUserProperty property) => (property.Name, Encoding.UTF8.GetString(property.ValueBuffer.Span));

    private static MqttClientOptionsBuilder Options(int port, MqttProtocolVersion version, string clientId) =>
        new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId)
            .WithCleanSession(false)
            .WithSessionExpiryInterval(version == MqttProtocolVersion.V500 ? 3600u : 0u)
            .WithProtocolVersion(version)
            .WithTimeout(Wait.DefaultTimeout);

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
