using System.Net;
using Courier.Amqp091.Connections;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>A protocol is registered once, with its endpoint, handler and options.</summary>
public sealed class ProtocolListenersTests
{
    [Fact]
    public void A_registration_gives_the_endpoint_and_puts_the_handler_s_options_in_the_container()
    {
        var services = new ServiceCollection();
        var listeners = new ProtocolListeners(services);
        var options = new AmqpOptions();

        listeners.Add<AmqpConnectionHandler, AmqpOptions>("amqp", "AMQP 0-9-1", new AmqpListenerOptions { Address = "127.0.0.1", Port = 5999 }, options);

        var listener = Assert.Single(listeners.All);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 5999), listener.EndPoint);
        Assert.Same(options, services.BuildServiceProvider().GetRequiredService<AmqpOptions>());
    }

    [Fact]
    public void A_protocol_cannot_be_registered_twice()
    {
        var listeners = new ProtocolListeners(new ServiceCollection());
        listeners.Add<AmqpConnectionHandler, AmqpOptions>("amqp", "AMQP 0-9-1", new AmqpListenerOptions(), new AmqpOptions());

        Assert.Throws<InvalidOperationException>(() =>
            listeners.Add<AmqpConnectionHandler, AmqpOptions>("amqp", "AMQP 0-9-1", new AmqpListenerOptions { Port = 5673 }, new AmqpOptions()));
    }

    [Fact]
    public void A_websocket_path_must_be_absolute()
    {
        var listeners = new ProtocolListeners(new ServiceCollection());

        Assert.Throws<ArgumentException>(() => listeners.AddWebSocket<Courier.Mqtt.Server.MqttConnectionHandler>(
            "mqtt-ws", "MQTT over WebSockets", new MqttWebSocketListenerOptions { Path = "ws" }, ["mqtt"], 1024));
    }
}
