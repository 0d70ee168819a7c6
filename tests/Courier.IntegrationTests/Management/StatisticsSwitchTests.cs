using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Management;

/// <summary><c>--http-enabled false</c> and <c>--prometheus-enabled false</c>: the listeners (and the rate sampler) are not there at all; the protocols are.</summary>
public sealed class StatisticsSwitchTests
{
    [Fact]
    public async Task Management_and_Prometheus_listeners_can_be_turned_off()
    {
        await using var broker = await TestBroker.StartAsync(null, "--http-enabled", "false", "--prometheus-enabled", "false");

        Assert.DoesNotContain(broker.Host.Listeners, l => l.Protocol is "http" or "https" or "prometheus");
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("still-here", durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, "still-here", "m"u8.ToArray());
        Assert.NotNull(await channel.BasicGetAsync("still-here", autoAck: true));
    }

    [Fact]
    public async Task Listeners_are_on_unless_turned_off()
    {
        await using var broker = await TestBroker.StartAsync();

        Assert.Contains(broker.Host.Listeners, l => l.Protocol == "http");
        Assert.Contains(broker.Host.Listeners, l => l.Protocol == "prometheus");
    }
}
