using Courier.PerfTest.Amqp;
using Courier.PerfTest.Amqp.Wire;
using Courier.PerfTest.Mqtt;
using Courier.PerfTest.Mqtt.Wire;
using Courier.PerfTest.Options;
using Courier.PerfTest.Stomp;

namespace Courier.PerfTest.Load;

public static class LoadTransports
{
    /// <summary>
    /// The transport the options ask for: STOMP through the lean client, MQTT through MQTTnet or the
    /// lean client, or AMQP through RabbitMQ.Client or the lean client.
    /// </summary>
    public static ILoadTransport For(PerfTestOptions options) => options switch
    {
        { IsStomp: true } => new StompTransport(options),
        { IsMqtt: true, Client: AmqpClient.Lean } => new MqttWireTransport(options),
        { IsMqtt: true } => new MqttTransport(options),
        { Client: AmqpClient.Lean } => new WireTransport(options),
        _ => new AmqpTransport(options),
    };
}
