using System.Text;
using Courier.Server.Hosting;
using RabbitMQ.Client;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>
/// The README's "Embedding Courier in .NET tests", kept compiling and passing: a node started in
/// the test process on a port the OS picks, its endpoint read by protocol name, driven by
/// RabbitMQ.Client, and stopped. Keep the two in step.
/// </summary>
public sealed class EmbeddingTests : IAsyncLifetime
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-").FullName;
    private CourierHost _courier = null!;

    public async Task InitializeAsync()
    {
        // Port 0: the OS picks a free port. A fresh data directory keeps runs apart.
        _courier = CourierHost.Create([.. LoopbackListeners.Args, "--data-dir", _dataDir]);
        await _courier.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _courier.StopAsync();
        await _courier.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task A_message_published_to_an_embedded_node_can_be_got_back()
    {
        var amqp = _courier.EndPointOf("amqp");
        var factory = new ConnectionFactory { HostName = amqp.Address.ToString(), Port = amqp.Port };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("orders", durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, "orders", Encoding.UTF8.GetBytes("order 1"));
        var got = await channel.BasicGetAsync("orders", autoAck: true);

        Assert.Equal("order 1", Encoding.UTF8.GetString(got!.Body.Span));
    }

    [Fact]
    public void The_host_lists_its_listeners_by_protocol_with_the_ports_they_were_given()
    {
        Assert.Collection(
            _courier.Listeners,
            amqp =>
            {
                Assert.Equal("amqp", amqp.Protocol);
                Assert.Equal("AMQP 0-9-1", amqp.DisplayName);
                Assert.NotEqual(0, amqp.EndPoint.Port);
                Assert.Equal(amqp.EndPoint, _courier.AmqpEndPoint);
            },
            mqtt =>
            {
                Assert.Equal("mqtt", mqtt.Protocol);
                Assert.Equal("MQTT 3.1/3.1.1/5.0", mqtt.DisplayName);
                Assert.NotEqual(0, mqtt.EndPoint.Port);
                Assert.Equal(mqtt.EndPoint, _courier.MqttEndPoint);
            },
            mqttWebSockets =>
            {
                Assert.Equal("mqtt-ws", mqttWebSockets.Protocol);
                Assert.Equal("MQTT over WebSockets", mqttWebSockets.DisplayName);
                Assert.NotEqual(0, mqttWebSockets.EndPoint.Port);
                Assert.Equal(mqttWebSockets.EndPoint, _courier.MqttWebSocketEndPoint);
            },
            stomp =>
            {
                Assert.Equal("stomp", stomp.Protocol);
                Assert.Equal("STOMP 1.0/1.1/1.2", stomp.DisplayName);
                Assert.NotEqual(0, stomp.EndPoint.Port);
                Assert.Equal(stomp.EndPoint, _courier.EndPointOf("stomp"));
            },
            stompWebSockets =>
            {
                Assert.Equal("stomp-ws", stompWebSockets.Protocol);
                Assert.Equal("STOMP over WebSockets", stompWebSockets.DisplayName);
                Assert.NotEqual(0, stompWebSockets.EndPoint.Port);
            },
            http =>
            {
                Assert.Equal("http", http.Protocol);
                Assert.Equal("HTTP management API", http.DisplayName);
                Assert.NotEqual(0, http.EndPoint.Port);
            },
            prometheus =>
            {
                Assert.Equal("prometheus", prometheus.Protocol);
                Assert.Equal("Prometheus metrics", prometheus.DisplayName);
                Assert.NotEqual(0, prometheus.EndPoint.Port);
            });
        Assert.Throws<ArgumentException>(() => _courier.EndPointOf("kafka"));
    }
}
