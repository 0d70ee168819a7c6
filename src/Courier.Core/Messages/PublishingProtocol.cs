namespace Courier.Core.Messages;

/// <summary>Which protocol a message was published with (a broker annotation; see <see cref="MessageAnnotations"/>).</summary>
public enum PublishingProtocol : byte
{
    /// <summary>Made by the broker or a test, not by a client.</summary>
    None = 0,
    Amqp091 = 1,
    Mqtt = 2,
    Stomp = 3,
}
