using Courier.Amqp091.Connections;

namespace Courier.Server.Hosting;

/// <summary>The protocols a node speaks. Adding one (MQTT, STOMP) is one registration here, plus its settings in <see cref="ServerOptions"/>.</summary>
internal static class Protocols
{
    public static void Register(ProtocolListeners listeners, ServerOptions options)
    {
        listeners.Add<AmqpConnectionHandler, AmqpOptions>(AmqpConnectionHandler.ProtocolName, "AMQP 0-9-1", options.Amqp, new AmqpOptions
        {
            FrameMax = options.Amqp.FrameMax,
            ChannelMax = options.Amqp.ChannelMax,
            HeartbeatSeconds = options.Amqp.Heartbeat,
            FlowPauseLimit = TimeSpan.FromMilliseconds(Math.Max(1, options.Amqp.FlowPauseMilliseconds)),
            ProductVersion = CourierHost.Version,
        });
    }
}
