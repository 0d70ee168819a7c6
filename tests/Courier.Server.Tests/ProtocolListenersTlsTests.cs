using Courier.Amqp091.Connections;
using Courier.Server.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>A TLS twin opens only with a certificate; its port configured without one is refused.</summary>
public sealed class ProtocolListenersTlsTests
{
    [Fact]
    public void Without_a_certificate_a_TLS_twin_registers_nothing()
    {
        var listeners = new ProtocolListeners(new ServiceCollection());
        listeners.Add<AmqpConnectionHandler, AmqpOptions>("amqp", "AMQP 0-9-1", new AmqpListenerOptions(), new AmqpOptions());

        listeners.AddTls("amqp", "amqps", "AMQP 0-9-1 over TLS", new AmqpsListenerOptions());

        Assert.Equal(["amqp"], listeners.All.Select(l => l.Protocol));
    }

    [Fact]
    public void A_TLS_twin_s_port_configured_without_a_certificate_is_a_configuration_error()
    {
        var listeners = new ProtocolListeners(new ServiceCollection());
        listeners.Add<AmqpConnectionHandler, AmqpOptions>("amqp", "AMQP 0-9-1", new AmqpListenerOptions(), new AmqpOptions());

        var error = Assert.Throws<ConfigurationException>(() => listeners.AddTls("amqp", "amqps", "AMQP 0-9-1 over TLS", new AmqpsListenerOptions { Port = 5671 }));

        Assert.Contains("--tls-cert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TLS_listeners_default_to_RabbitMQ_s_ports()
    {
        Assert.Equal(5671, new AmqpsListenerOptions().Port);
        Assert.Equal(8883, new MqttsListenerOptions().Port);
        Assert.Equal(15676, new MqttWebSocketsTlsListenerOptions().Port);
    }
}
