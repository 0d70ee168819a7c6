namespace Courier.Core.Messages;

/// <summary>
/// Whether a message outlives a restart. The numbers are AMQP's delivery modes, which MQTT
/// (QoS above 0 on a persistent session) and STOMP (<c>persistent:true</c>) map onto; a protocol
/// octet outside these two is kept as its own value and means transient.
/// </summary>
public enum DeliveryPersistence : byte
{
    Transient = 1,
    Persistent = 2,
}
