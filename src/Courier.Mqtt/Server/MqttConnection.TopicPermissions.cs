using Courier.Core;
using Courier.Core.Security;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// Topic permissions (RabbitMQ's <c>set_topic_permissions</c> on <c>amq.topic</c>): a PUBLISH needs
/// write on its routing key, a SUBSCRIBE read on its filter's binding key (checked where the
/// subscription is bound), a will write on its topic (checked when it is published).
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>
    /// True when the user may publish to the topic. A refused QoS 1 or 2 publish of a 5.0 client is
    /// answered 0x87 (the caller does so); otherwise the refusal propagates and ends the connection,
    /// as a refused write on the exchange does.
    /// </summary>
    private bool MayPublishTo(MqttPublish publish, string topic)
    {
        if (!Broker.Users.HasTopicPermissions)
        {
            // The common case costs a flag read, not a routing key built for nothing on every publish.
            return true;
        }

        try
        {
            Broker.AuthorizeTopic(User!, VirtualHost!, AccessKind.Write, MqttTopicMapping.Exchange, MqttTopicMapping.ToRoutingKey(topic), ClientId);
            return true;
        }
        catch (BrokerException e) when (e.Error == BrokerError.AccessRefused && publish.QoS != MqttQos.AtMostOnce && IsV5)
        {
            return false;
        }
    }
}
