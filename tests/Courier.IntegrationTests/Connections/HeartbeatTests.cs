using System.Diagnostics;
using Courier.Amqp091.Framing;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Connections;

/// <summary>Heartbeats at the interval the client negotiated, in both directions.</summary>
public sealed class HeartbeatTests
{
    [Fact]
    public async Task The_server_sends_heartbeats_at_the_negotiated_interval()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync(heartbeat: 1);

        // Answer each heartbeat with one, so the server keeps hearing from us.
        for (var i = 0; i < 3; i++)
        {
            var frame = await client.ReadFrameAsync();
            Assert.Equal(AmqpFrameType.Heartbeat, frame.Type);
            Assert.Equal(0, frame.Channel);
            Assert.Empty(frame.Payload);
            await client.SendHeartbeatAsync();
        }
    }

    [Fact]
    public async Task A_client_that_negotiated_heartbeats_and_then_goes_silent_is_disconnected()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.OpenAsync(heartbeat: 1);
        var silentSince = Stopwatch.StartNew();

        await client.WaitForServerCloseAsync();

        // Two missed intervals, as RabbitMQ counts them; never at the first quiet moment.
        Assert.True(silentSince.Elapsed >= TimeSpan.FromSeconds(1), $"disconnected after only {silentSince.Elapsed}");
        await Wait.UntilAsync(() => broker.Logs.Any(l => l.Contains("missed heartbeats", StringComparison.Ordinal)), "the server logs the missed heartbeats");
    }
}
