using System.Runtime.CompilerServices;
using Courier.Core.Messages;
using Courier.Core.VirtualHosts;

namespace Courier.Mqtt.Retained;

/// <summary>
/// The retained messages of one vhost, by topic: the last retained publish of each topic, delivered
/// to every new subscription whose filter matches it. Held in memory only for now (docs/mqtt.md):
/// they do not survive a restart.
/// </summary>
/// <remarks>Any connection's reader may set, clear or match at any time; one lock guards the tree.</remarks>
internal sealed class RetainedMessages
{
    /// <summary>The annotation that marks a message as a retained one delivered on subscribe (it goes out with the retain flag).</summary>
    public const string RetainedDeliveryKey = "mqtt.retained";

    private static readonly ConditionalWeakTable<VirtualHost, RetainedMessages> s_byVirtualHost = [];
    private static readonly IReadOnlyDictionary<string, object?> s_marker = new Dictionary<string, object?> { [RetainedDeliveryKey] = true };
    private readonly RetainedTopicTree<Message> _tree = new();

    public static RetainedMessages For(VirtualHost virtualHost) => s_byVirtualHost.GetValue(virtualHost, static _ => new RetainedMessages());

    public int Count
    {
        get
        {
            lock (_tree)
            {
                return _tree.Count;
            }
        }
    }

    /// <summary>Keeps <paramref name="message"/> as the topic's retained message, or clears the topic when its payload is empty (MQTT-3.3.1-10).</summary>
    public void Retain(string topic, Message message)
    {
        lock (_tree)
        {
            if (message.Body.IsEmpty)
            {
                _tree.Remove(topic);
                return;
            }

            var more = message.Annotations.More is { } existing
                ? new Dictionary<string, object?>(existing) { [RetainedDeliveryKey] = true }
                : s_marker;
            var annotations = message.Annotations with { More = more };
            _tree.Set(topic, new Message(message.Exchange, message.RoutingKey, message.Properties, message.Body, annotations));
        }
    }

    /// <summary>Adds the retained messages whose topics <paramref name="filter"/> matches.</summary>
    public void Match(string filter, List<(string Topic, Message Message)> matches)
    {
        lock (_tree)
        {
            _tree.Match(filter, matches);
        }
    }

    public static bool IsRetainedDelivery(Message message) => message.Annotations.Get(RetainedDeliveryKey) is true;
}
