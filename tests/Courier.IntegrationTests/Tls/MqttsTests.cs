using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;

namespace Courier.IntegrationTests.Tls;

/// <summary>MQTT over TLS and over secure WebSockets with MQTTnet.</summary>
public sealed class MqttsTests
{
    public static TheoryData<MqttProtocolVersion> Versions => [MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task An_MQTT_client_over_TLS_subscribes_and_gets_its_publish_back(MqttProtocolVersion version)
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());

        await using var client = await MqttClients.ConnectAsync(broker, version, configure: b => b
            .WithTcpServer("127.0.0.1", broker.MqttsPort())
            .WithTlsOptions(t => t.UseTls().WithTargetHost("localhost").WithCertificateValidationHandler(e => ca.Trusts(e.Certificate))));
        await AssertRoundTripAsync(client, "tls");
    }

    [Fact]
    public async Task An_MQTT_client_over_secure_WebSockets_subscribes_and_gets_its_publish_back()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());

        var options = new MqttClientOptionsBuilder()
            .WithWebSocketServer(ws => ws.WithUri($"wss://localhost:{broker.MqttWssPort()}/ws"))
            .WithTlsOptions(t => t.UseTls().WithTargetHost("localhost").WithCertificateValidationHandler(e => ca.Trusts(e.Certificate)))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(Wait.DefaultTimeout)
            .Build();
        var mqtt = new MqttClientFactory().CreateMqttClient();
        await using var client = new MqttClients.Received(mqtt);
        await mqtt.ConnectAsync(options);
        await AssertRoundTripAsync(client, "wss");
    }

    [Fact]
    public async Task A_plaintext_MQTT_client_on_the_TLS_port_is_refused()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());

        // CONNECT 3.1.1, client id "x", clean session, keep-alive 60.
        var answer = await TlsClients.SendRawAsync(broker.MqttsPort(), [0x10, 0x0D, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, (byte)'x']);

        Assert.True(answer.Length == 0 || answer[0] == 0x15, $"the plaintext client got {Convert.ToHexString(answer)}");
    }

    private static async Task AssertRoundTripAsync(MqttClients.Received client, string prefix)
    {
        await client.SubscribeAsync(prefix + "/+");
        await client.PublishAsync(prefix + "/mqtt", "hello");

        var message = await client.NextAsync();
        Assert.Equal(prefix + "/mqtt", message.Topic);
        Assert.Equal("hello", message.ConvertPayloadToString());
    }
}
