using Courier.Core;

namespace Courier.Mqtt.Retained;

/// <summary>Loads every vhost's retained messages when the node starts, so the first subscriber does not pay for it.</summary>
public static class RetainedStartup
{
    /// <summary>Opens the retained messages of each vhost of <paramref name="broker"/>; returns how many there are in all.</summary>
    public static int Load(Broker broker)
    {
        var count = 0;
        foreach (var virtualHost in broker.VirtualHosts)
        {
            count += RetainedMessages.For(broker, virtualHost).Count;
        }

        return count;
    }
}
