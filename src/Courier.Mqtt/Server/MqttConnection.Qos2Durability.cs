using Courier.Core.Queues;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// QoS 2 deliveries of a persistent session that survive a broker crash without a duplicate
/// (<see cref="MqttQos2Deliveries"/>): a stored message goes out only once the packet id it goes
/// out with is on disk; on PUBREC it is settled and PUBREL sent only once "released" is on disk;
/// after a restart a delivery the client had not acknowledged goes again with its old packet id
/// (DUP set), and one it had gets its PUBREL again and is settled without going out.
/// </summary>
/// <remarks>
/// Such a delivery is written without a topic alias: it leaves after the deliveries that follow
/// it may have, and an alias it set up would reach the client after a packet using it. All state
/// here is guarded by <c>_deliveryGate</c>.
/// </remarks>
internal sealed partial class MqttConnection
{
    // The vhost's log while this connection's session keeps its QoS 2 deliveries durably.
    private MqttQos2Deliveries? _qos2Log;
    // Packet id -> the delivery it is, as last written to the log.
    private Dictionary<ushort, MqttQos2Delivery>? _qos2Out;
    // Deliveries read back at connect, by queue and store id: what they went out with before.
    private Dictionary<(string Queue, long MessageId), (ushort PacketId, bool Released)>? _qos2Resumed;

    /// <summary>
    /// At connect, once the session is resumed or discarded: its QoS 2 deliveries read back when
    /// <paramref name="resumed"/> (its queues are still there), or forgotten.
    /// </summary>
    private void StartQos2Deliveries(bool resumed)
    {
        if (MqttQos2Deliveries.For(Broker, VirtualHost!) is not { } log)
        {
            return;
        }

        Dictionary<ushort, MqttQos2Delivery>? saved = null;
        if (resumed)
        {
            try
            {
                saved = log.Load(ClientId);
            }
            catch (InvalidDataException)
            {
                // Unreadable: the deliveries go again with new ids, as they would have without it.
                saved = null;
            }
        }

        if (saved is null)
        {
            // A session that ended (clean start, or its queues expired) leaves nothing behind.
            log.Forget(ClientId);
        }
        else
        {
            lock (_deliveryGate)
            {
                _qos2Out = saved;
                _qos2Resumed = [];
                foreach (var (packetId, delivery) in saved)
                {
                    _qos2Resumed[(delivery.Queue, delivery.MessageId)] = (packetId, delivery.Released);
                    if (delivery.Released)
                    {
                        // PUBREL goes again on resume (ResumeSession).
                        Releasing.Add(packetId);
                    }
                }
            }
        }

        if (_persistent || saved is not null)
        {
            _qos2Log = log;
        }
    }

    private bool HasSessionQueues()
    {
        for (var qos = MqttQos.AtMostOnce; qos <= MqttQos.ExactlyOnce; qos++)
        {
            if (VirtualHost!.TryGetQueue(SubscriptionQueueName(ClientId, qos), out var queue) && !queue.Exclusive)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The session ends with the connection: its deliveries are forgotten with its queues.</summary>
    private void ForgetQos2Deliveries()
    {
        _qos2Log?.Forget(ClientId);
        ForgetReceivedQos2();
    }

    private bool IsDurableQos2Delivery(MqttQos qos, QueuedMessage queued) =>
        qos == MqttQos.ExactlyOnce && _qos2Log is not null && queued.IsStored;

    /// <summary>A packet id a saved delivery holds: not handed to another message meanwhile.</summary>
    private bool IsSavedQos2IdLocked(ushort packetId) => _qos2Out is { Count: > 0 } && _qos2Out.ContainsKey(packetId);

    /// <summary>Called by <see cref="TryDeliver"/> under the gate for a stored message going out at QoS 2 to a persistent session.</summary>
    private bool DeliverDurablyLocked(MqttSubscriptionQueue subscription, QueuedMessage queued, string topic, bool retainAsPublished, List<uint>? identifiers)
    {
        var key = (subscription.Queue.Name, queued.Ref.Id);
        ushort packetId = 0;
        if (_qos2Resumed is { Count: > 0 } && _qos2Resumed.Remove(key, out var earlier))
        {
            if (earlier.Released)
            {
                // The client sent PUBREC for it before the restart: it has it. Settled, not sent.
                SettleLaterLocked(subscription, queued);
                return true;
            }

            if (!InFlight.ContainsKey(earlier.PacketId) && !Releasing.Contains(earlier.PacketId))
            {
                packetId = earlier.PacketId;
            }
        }

        var resumed = packetId != 0;
        if (!resumed)
        {
            packetId = NextPacketIdLocked();
        }

        MqttPublish? publish;
        try
        {
            publish = DeliveryLocked(topic, MqttQos.ExactlyOnce, packetId, queued, retainAsPublished, identifiers, allowAlias: false);
        }
        catch (ArgumentException)
        {
            publish = null;
        }

        if (publish is null)
        {
            // Too large for the client, or not expressible in MQTT: dropped as if sent (TryDeliver does the same).
            SettleLaterLocked(subscription, queued);
            return true;
        }

        if (resumed)
        {
            publish = publish with { Dup = true };
        }

        InFlight.Add(packetId, (subscription, queued));
        (_qos2Out ??= [])[packetId] = new MqttQos2Delivery(subscription.Queue.Name, queued.Ref.Id, Released: false);
        var sequence = _qos2Log!.Save(ClientId, _qos2Out);
        _qos2Log.WhenDurable(sequence, durable =>
        {
            if (durable)
            {
                Outbound.Write(publish);
            }
            else
            {
                // The log failed: never send what a crash could make go twice. The delivery goes
                // back to its queue when the connection ends.
                Abort();
            }
        });
        return true;
    }

    /// <summary>PUBREC for a saved delivery: "released" on disk first, then the message settled and PUBREL sent. False when it is not one.</summary>
    private bool TryReleaseDurably(MqttPubRec received)
    {
        (MqttSubscriptionQueue Queue, QueuedMessage Message) delivery;
        long sequence;
        var refused = received.ReasonCode >= MqttServerReason.UnspecifiedError;
        lock (_deliveryGate)
        {
            if (_qos2Log is null || _qos2Out is null || !_qos2Out.TryGetValue(received.PacketId, out var saved)
                || !InFlight.Remove(received.PacketId, out delivery))
            {
                return false;
            }

            if (refused)
            {
                _qos2Out.Remove(received.PacketId);
            }
            else
            {
                Releasing.Add(received.PacketId);
                _qos2Out[received.PacketId] = saved with { Released = true };
            }

            sequence = _qos2Log.Save(ClientId, _qos2Out);
        }

        if (refused)
        {
            // The client refused it (a v5 PUBREC with a failure code): settled, no PUBREL, as before.
            delivery.Queue.Queue.Settle(delivery.Message);
            delivery.Queue.Queue.Dispatch();
            return true;
        }

        var packetId = received.PacketId;
        _qos2Log.WhenDurable(sequence, durable =>
        {
            if (!durable)
            {
                delivery.Queue.Queue.Requeue([delivery.Message]);
                Abort();
                return;
            }

            delivery.Queue.Queue.Settle(delivery.Message);
            delivery.Queue.Queue.Dispatch();
            Outbound.Write(new MqttPubRel { PacketId = packetId });
        });
        return true;
    }

    /// <summary>PUBCOMP: the exchange is over; its packet id leaves the log (nothing waits for that).</summary>
    private void CompleteDurablyLocked(ushort packetId)
    {
        if (_qos2Log is not null && _qos2Out is not null && _qos2Out.Remove(packetId))
        {
            _qos2Log.Save(ClientId, _qos2Out);
        }
    }
}
