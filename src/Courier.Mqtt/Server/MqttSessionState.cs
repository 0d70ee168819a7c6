using Courier.Core;
using Courier.Core.VirtualHosts;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// What a persistent session keeps in memory while its client is away: the packet ids of its QoS 2
/// exchanges in progress both ways, the ids its unacknowledged deliveries went out with, and a will
/// waiting for its delay. Its subscriptions and queued messages are not here: they are the durable
/// subscription queues and their bindings on <c>amq.topic</c>.
/// </summary>
/// <remarks>Owned by the connection that holds it, or by the <see cref="MqttSessionStore"/> in between; never both.</remarks>
internal sealed class MqttSessionState
{
    /// <summary>Inbound QoS 2 publishes received (PUBREC sent) and not yet released: a resend is not routed again.</summary>
    public HashSet<ushort> AwaitingRelease { get; } = [];

    /// <summary>Outbound QoS 2 deliveries whose PUBREC came and whose PUBCOMP has not: PUBREL is sent again on resume.</summary>
    public HashSet<ushort> Releasing { get; } = [];

    /// <summary>The packet id each delivery out at the end of the connection had, by queue and place in it, to send it again with.</summary>
    public Dictionary<(string Queue, long Sequence), ushort> InFlightIds { get; } = [];

    /// <summary>The will left when the connection failed, published when its delay or the session runs out.</summary>
    public (MqttWill Will, VirtualHost VirtualHost, Broker Broker)? PendingWill { get; set; }

    internal ITimer? WillTimer { get; set; }

    internal ITimer? ExpiryTimer { get; set; }
}
