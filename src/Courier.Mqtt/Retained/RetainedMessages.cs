using System.Runtime.CompilerServices;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;

namespace Courier.Mqtt.Retained;

/// <summary>
/// The retained messages of one vhost, by topic: the last retained publish of each topic, delivered
/// to every new subscription whose filter matches it, kept in the node's keyed log of kind
/// <see cref="LogKind"/> for the vhost (docs/mqtt.md, "Retained messages"), so they survive a restart.
/// </summary>
/// <remarks>
/// <para>What stays in memory is the topic tree, for matching filters without a scan; the
/// messages themselves stay in the log's file and are read back for each match on subscribe
/// (a million 100-byte retained messages would otherwise hold their payloads and a message object
/// each in memory for as long as the node runs, to serve the rare subscription that wants them).</para>
/// <para>Any connection's reader may set, clear or match at any time; one lock keeps the tree and
/// the log in the same order. Reads of matched messages happen outside it: a topic cleared in
/// between is skipped.</para>
/// </remarks>
internal sealed class RetainedMessages
{
    /// <summary>The annotation that marks a message as a retained one delivered on subscribe (it goes out with the retain flag).</summary>
    public const string RetainedDeliveryKey = "mqtt.retained";

    /// <summary>The keyed log kind that holds retained messages, one log per vhost.</summary>
    public const string LogKind = "mqtt-retained";

    private static readonly ConditionalWeakTable<VirtualHost, RetainedMessages> s_byVirtualHost = [];
    private static readonly object s_present = new();
    private static readonly IReadOnlyDictionary<string, object?> s_marker = new Dictionary<string, object?> { [RetainedDeliveryKey] = true };
    private readonly Lock _gate = new();
    private readonly RetainedTopicTree<object> _tree = new();

    private RetainedMessages(IKeyedLog log)
    {
        Log = log;
        foreach (var topic in log.CopyKeys())
        {
            _tree.Set(topic, s_present);
        }
    }

    /// <summary>Where the messages are kept; acknowledgements of retained publishes wait for it.</summary>
    public IKeyedLog Log { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _tree.Count;
            }
        }
    }

    /// <summary>The retained messages of <paramref name="virtualHost"/>, loaded from the node's keyed log on first use.</summary>
    public static RetainedMessages For(Broker broker, VirtualHost virtualHost)
    {
        if (s_byVirtualHost.TryGetValue(virtualHost, out var retained))
        {
            return retained;
        }

        lock (s_byVirtualHost)
        {
            if (!s_byVirtualHost.TryGetValue(virtualHost, out retained))
            {
                retained = new RetainedMessages(broker.KeyedLogs?.Open(LogKind, virtualHost.Name) ?? new MemoryKeyedLog());
                s_byVirtualHost.Add(virtualHost, retained);
            }

            return retained;
        }
    }

    /// <summary>
    /// Keeps <paramref name="record"/> as the topic's retained message, or clears the topic when its
    /// payload is empty (MQTT-3.3.1-10); returns the log's sequence number of the change, which the
    /// publish's acknowledgement waits for.
    /// </summary>
    public long Retain(string topic, in RetainedRecord record)
    {
        var encoded = record.Payload.IsEmpty ? null : record.Encode();
        lock (_gate)
        {
            if (encoded is null)
            {
                var removed = Log.Remove(topic);
                _tree.Remove(topic);
                return removed;
            }

            var sequence = Log.Put(topic, encoded);
            _tree.Set(topic, s_present);
            return sequence;
        }
    }

    /// <summary>Adds the topics with a retained message that <paramref name="filter"/> matches.</summary>
    public void Match(string filter, List<(string Topic, object Present)> matches)
    {
        lock (_gate)
        {
            _tree.Match(filter, matches);
        }
    }

    /// <summary>The retained message of <paramref name="topic"/>, or null when it has none (cleared since it matched).</summary>
    public RetainedRecord? Read(string topic) => Log.Read(topic) is { } stored ? RetainedRecord.Decode(stored) : null;

    /// <summary>
    /// Clears <paramref name="topic"/> if its retained message is still the one retained at
    /// <paramref name="retainedAtUnixMs"/> (whose Message Expiry Interval has run out), not a newer one.
    /// </summary>
    public void ClearExpired(string topic, long retainedAtUnixMs)
    {
        lock (_gate)
        {
            if (Read(topic) is { } current && current.RetainedAtUnixMs == retainedAtUnixMs)
            {
                _tree.Remove(topic);
                Log.Remove(topic);
            }
        }
    }

    /// <summary>Marks <paramref name="message"/> as a retained delivery (it goes out with the retain flag).</summary>
    public static Message AsRetainedDelivery(Message message)
    {
        var more = message.Annotations.More is { } existing
            ? new Dictionary<string, object?>(existing) { [RetainedDeliveryKey] = true }
            : s_marker;
        return new Message(message.Exchange, message.RoutingKey, message.Properties, message.Body, message.Annotations with { More = more });
    }

    public static bool IsRetainedDelivery(Message message) => message.Annotations.Get(RetainedDeliveryKey) is true;
}
