using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Management;
using Courier.IntegrationTests.Mqtt;
using Courier.IntegrationTests.Stomp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// The node's connection rate limit (<c>--max-connection-rate N</c>, issue 13 "Limits"): a token
/// bucket of N opens a second shared by every protocol; past it AMQP gets connection.close 530,
/// MQTT CONNACK 0x97 (5.0), STOMP an ERROR, and each refusal is counted.
/// </summary>
public sealed class ConnectionRateLimitTests
{
    [Fact]
    public async Task A_burst_of_N_plus_k_opens_gets_N_in_and_k_refused_with_each_protocols_error_and_the_bucket_refills()
    {
        // The clock only moves when the test says so: the burst is a burst however slow the machine.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await TestBroker.StartAsync(configure: null, configureServices: s => s.AddSingleton<TimeProvider>(time), "--max-connection-rate", "3");

        // N = 3 opens, of two protocols, take the bucket.
        await using var first = await broker.ConnectAsync();
        await using var second = await broker.ConnectAsync();
        await using var mqtt = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V500);

        // k = 3 more, one per protocol, are refused.
        var refused = await AuthenticationTests.ConnectExpectingRefusalAsync(broker, "guest", "guest", "/");
        Assert.Equal(AmqpConstants.NotAllowed, refused.ReplyCode);
        Assert.Equal("NOT_ALLOWED - connection refused: node connection rate limit (3 per second) is reached", refused.ReplyText);
        var connAck = await MqttClients.ConnAckAsync(broker, MqttProtocolVersion.V500);
        Assert.Equal(MqttClientConnectResultCode.QuotaExceeded, connAck.ResultCode);
        Assert.Equal("connection refused: node connection rate limit (3 per second) is reached", connAck.ReasonString);
        Assert.Contains("connection rate limit (3 per second)", await StompTestClient.ConnectExpectingErrorAsync(broker.StompPort), StringComparison.Ordinal);

        Assert.Equal(3, broker.Host.Broker.Resources.ConnectionRate.Refused);
        using (var api = new ManagementClient(broker))
        {
            var node = (await api.GetAsync("api/nodes"))[0]!;
            Assert.Equal(3, node["connections_refused_by_rate_limit"]!.GetValue<long>());
        }

        // A third of a second brings one token back; a whole second the full burst.
        time.Advance(TimeSpan.FromMilliseconds(334));
        await using var afterOneToken = await broker.ConnectAsync();
        Assert.Equal(AmqpConstants.NotAllowed, (await AuthenticationTests.ConnectExpectingRefusalAsync(broker, "guest", "guest", "/")).ReplyCode);
        time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < 3; i++)
        {
            await using var again = await broker.ConnectAsync();
            Assert.True(again.IsOpen);
        }

        Assert.Equal(4, broker.Host.Broker.Resources.ConnectionRate.Refused);
    }
}
