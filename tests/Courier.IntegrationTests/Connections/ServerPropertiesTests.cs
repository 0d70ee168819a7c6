using System.Text;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Connections;

/// <summary>What connection.start tells a client about the server.</summary>
public sealed class ServerPropertiesTests
{
    [Fact]
    public async Task Connection_start_names_the_product_Courier()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();

        var properties = Assert.IsAssignableFrom<IDictionary<string, object?>>(connection.ServerProperties);

        Assert.Equal("Courier", Encoding.UTF8.GetString(Assert.IsType<byte[]>(properties["product"])));
        foreach (var key in new[] { "version", "platform", "copyright", "information", "cluster_name" })
        {
            Assert.True(properties.ContainsKey(key), $"server property '{key}' is missing");
        }
    }

    [Theory]
    [InlineData("publisher_confirms")]
    [InlineData("exchange_exchange_bindings")]
    [InlineData("basic.nack")]
    [InlineData("consumer_cancel_notify")]
    [InlineData("connection.blocked")]
    [InlineData("authentication_failure_close")]
    [InlineData("per_consumer_qos")]
    [InlineData("direct_reply_to")]
    public async Task Connection_start_advertises_the_RabbitMQ_capability(string capability)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();

        var capabilities = Assert.IsAssignableFrom<IDictionary<string, object?>>(connection.ServerProperties?["capabilities"]);

        Assert.True(capabilities.TryGetValue(capability, out var value), $"capability '{capability}' is missing");
        Assert.Equal(true, value);
    }
}
