using Courier.Core.Messages;

namespace Courier.Core.Statistics;

/// <summary>
/// The protocols counters are kept apart for (RabbitMQ labels its global counters by protocol):
/// the values of <see cref="PublishingProtocol"/>, used as indexes.
/// </summary>
public static class StatisticsProtocols
{
    /// <summary>How many there are: <see cref="PublishingProtocol.None"/> (the broker itself and the management API) and one per client protocol.</summary>
    public const int Count = 4;

    /// <summary>The protocol of a session's listener name (<c>amqp</c>, <c>mqtt</c>, <c>stomp</c>).</summary>
    public static PublishingProtocol OfListener(string protocol) => protocol switch
    {
        "amqp" => PublishingProtocol.Amqp091,
        "mqtt" => PublishingProtocol.Mqtt,
        "stomp" => PublishingProtocol.Stomp,
        _ => PublishingProtocol.None,
    };

    /// <summary>The counters' index of <paramref name="protocol"/>; one this build does not know counts as <see cref="PublishingProtocol.None"/>.</summary>
    public static int Index(PublishingProtocol protocol) => (uint)protocol < Count ? (int)protocol : 0;
}
