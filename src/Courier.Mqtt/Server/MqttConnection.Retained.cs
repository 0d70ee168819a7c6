using Courier.Core.Storage;
using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;

namespace Courier.Mqtt.Server;

/// <summary>
/// Retained messages on the connection: a retained publish (or will) stored in the vhost's keyed
/// log, its acknowledgement held until that write is durable as well as its queue deliveries, and
/// the retained messages a new subscription matches put into its queue, with the time their
/// Message Expiry Interval has left.
/// </summary>
/// <remarks>
/// Acknowledgements leave <see cref="DurableReleases{T}"/> in publish order once the journal has
/// their deliveries; one that also waits for the retained log is held here, and every one after
/// it too, until the log reports it durable (on the log's thread), so the order of PUBACKs and
/// PUBRECs is still the order of the publishes (MQTT-4.6.0-2, -3).
/// </remarks>
internal sealed partial class MqttConnection
{
    private readonly Lock _retainedGate = new();
    // Retained publishes whose acknowledgements are tracked and not yet released, in publish order.
    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Queue<(MqttPublishResponse Response, long Sequence)>? _retainedWaitsCreated;
    private Queue<(MqttPublishResponse Response, long Sequence)> RetainedWaits => LazyInitializer.EnsureInitialized(ref _retainedWaitsCreated, static () => new Queue<(MqttPublishResponse Response, long Sequence)>());

    // Created on first use (by whichever thread comes first): an idle connection holds none of these.
    private Queue<(MqttPublishResponse Response, bool Stored, long Sequence)>? _heldAcknowledgementsCreated;
    private Queue<(MqttPublishResponse Response, bool Stored, long Sequence)> HeldAcknowledgements => LazyInitializer.EnsureInitialized(ref _heldAcknowledgementsCreated, static () => new Queue<(MqttPublishResponse Response, bool Stored, long Sequence)>());

    private RetainedDurability? _retainedDurability;
    private RetainedMessages? _retained;
    private long _retainedDurable;
    private long _retainedRequested;
    private bool _retainedFailed;

    private RetainedMessages Retained => _retained ??= RetainedMessages.For(Broker, VirtualHost!);

    /// <summary>Stores (or, with an empty payload, clears) the retained message of <paramref name="topic"/>; returns the log's sequence number, or <see cref="FailedPosition"/> when the log refused it.</summary>
    private long Retain(string topic, MqttQos qos, MqttProperties? properties, ReadOnlyMemory<byte> payload)
    {
        try
        {
            return Retained.Retain(topic, new RetainedRecord(qos, _time.GetUtcNow().ToUnixTimeMilliseconds(), properties, payload));
        }
        catch (StoreFailedException)
        {
            return FailedPosition;
        }
    }

    /// <summary>True when a new retained message cannot be saved now: the vhost's retained log is stalled (disk full or failing) or cannot be opened.</summary>
    private bool RetainedLogRefuses()
    {
        try
        {
            return Retained.Log.IsStalled;
        }
        catch (StoreFailedException)
        {
            return true;
        }
    }

    /// <summary>Tracks an acknowledgement that waits for journal <paramref name="position"/> and, when positive, the retained log's <paramref name="retainedSequence"/>.</summary>
    private void Track(MqttPublishResponse response, long position, long retainedSequence)
    {
        if (retainedSequence > 0 && position != FailedPosition)
        {
            lock (_retainedGate)
            {
                RetainedWaits.Enqueue((response, retainedSequence));
            }
        }

        Track(response, position);
    }

    /// <summary>An acknowledgement the journal released: written now, or held behind the retained log.</summary>
    private void ReleaseAfterRetained(MqttPublishResponse response, bool stored)
    {
        long waitFor = 0;
        lock (_retainedGate)
        {
            var sequence = 0L;
            if (RetainedWaits.TryPeek(out var wait) && ReferenceEquals(wait.Response, response))
            {
                RetainedWaits.Dequeue();
                sequence = wait.Sequence;
            }

            if (HeldAcknowledgements.Count == 0 && (sequence <= _retainedDurable || !stored || _retainedFailed))
            {
                WriteAcknowledgementAfterReceived(response, stored && !(_retainedFailed && sequence > _retainedDurable));
                return;
            }

            HeldAcknowledgements.Enqueue((response, stored, sequence));
            if (sequence > _retainedRequested)
            {
                _retainedRequested = waitFor = sequence;
            }
        }

        if (waitFor > 0)
        {
            Retained.Log.WhenDurable(waitFor, _retainedDurability ??= new RetainedDurability(this));
        }
    }

    private void OnRetainedDurable(long sequence, bool failed)
    {
        lock (_retainedGate)
        {
            _retainedFailed |= failed;
            _retainedDurable = Math.Max(_retainedDurable, sequence);
            while (HeldAcknowledgements.TryPeek(out var held) && (held.Sequence <= _retainedDurable || _retainedFailed))
            {
                HeldAcknowledgements.Dequeue();
                if (((IDurableReleaseTarget<MqttPublishResponse>)this).IsOpen)
                {
                    WriteAcknowledgementAfterReceived(held.Response, held.Stored && held.Sequence <= _retainedDurable);
                }
            }
        }
    }

    /// <summary>
    /// Puts the retained messages <paramref name="filter"/> matches into the subscription's queue,
    /// so they go out like any delivery (credit, PUBACK), with the retain flag. One whose Message
    /// Expiry Interval has run out is cleared instead; the others carry the time they have left.
    /// </summary>
    private void EnqueueRetained(MqttSubscriptionQueue queue, string filter)
    {
        var matches = new List<(string Topic, object Present)>();
        Retained.Match(filter, matches);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (topic, _) in matches)
        {
            if (Retained.Read(topic) is not { } record)
            {
                continue;
            }

            var properties = record.Properties;
            if (properties?.MessageExpiryInterval is { } seconds)
            {
                var left = (seconds * 1000L) - (now - record.RetainedAtUnixMs);
                if (left <= 0)
                {
                    Retained.ClearExpired(topic, record.RetainedAtUnixMs);
                    continue;
                }

                properties.MessageExpiryInterval = (uint)((left + 999) / 1000);
            }

            var message = ToMessage(topic, record.Payload, record.QoS, retain: true, properties);
            queue.Queue.Enqueue(RetainedMessages.AsRetainedDelivery(message));
        }
    }

    /// <summary>Told by the retained log when the changes an acknowledgement waits for are durable.</summary>
    private sealed class RetainedDurability(MqttConnection connection) : IDurabilityWaiter
    {
        public void OnDurable(long sequence) => connection.OnRetainedDurable(sequence, failed: false);

        public void OnStoreFailed() => connection.OnRetainedDurable(0, failed: true);
    }
}
