using Courier.Core.Storage;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// Inbound QoS 2 of a persistent session across a broker crash: the packet ids the broker
/// acknowledged with PUBREC and the client has not released are on disk before the PUBREC goes
/// (<see cref="MqttQos2Deliveries.SaveReceived"/>), so a PUBLISH the client sends again with one of
/// them after a restart (it never got the PUBREC) is acknowledged and not routed a second time; an
/// id leaves the log on PUBREL, and PUBCOMP goes once that is on disk, so the client cannot reuse
/// an id the broker would still take for a resend.
/// </summary>
/// <remarks>
/// An id is written only once its message is durable in the journal (this is the last stage an
/// acknowledgement passes, after <see cref="DurableReleases{T}"/> and the retained log): a crash
/// in between makes a resend route the message again (a duplicate, as before), never drop it.
/// Acknowledgements behind a held one wait too, so their order stays the order of the publishes.
/// Runs under <c>_retainedGate</c>, as the retained stage that calls it.
/// </remarks>
internal sealed partial class MqttConnection
{
    // The vhost's log while this connection's session keeps its received QoS 2 ids durably.
    private MqttQos2Deliveries? _receivedLog;
    // The ids as last written to the log.
    private HashSet<ushort>? _receivedSaved;
    private Queue<(MqttPublishResponse Response, bool Stored, long Sequence)>? _heldForReceived;
    private long _receivedDurable;
    private long _receivedRequested;
    private bool _receivedFailed;

    /// <summary>
    /// At connect, once the session is resumed or discarded: the received ids read back into
    /// <see cref="AwaitingRelease"/> when <paramref name="resumed"/>, or forgotten. Returns true when
    /// some were read back (the session is present then, even with no subscriptions).
    /// </summary>
    private bool StartReceivedQos2(bool resumed)
    {
        if (MqttQos2Deliveries.For(Broker, VirtualHost!) is not { } log)
        {
            return false;
        }

        HashSet<ushort>? saved = null;
        if (resumed)
        {
            try
            {
                saved = log.LoadReceived(ClientId);
            }
            catch (InvalidDataException)
            {
                // Unreadable: resent publishes are routed again, as they would have been without it.
                saved = null;
            }
        }

        if (saved is null)
        {
            log.ForgetReceived(ClientId);
        }
        else
        {
            AwaitingRelease.UnionWith(saved);
        }

        if (_persistent || saved is not null)
        {
            lock (_retainedGate)
            {
                _receivedSaved = saved ?? [];
                _receivedLog = log;
            }
        }

        return saved is not null;
    }

    /// <summary>The session ends with the connection: its received ids are forgotten.</summary>
    private void ForgetReceivedQos2() => _receivedLog?.ForgetReceived(ClientId);

    /// <summary>Under <c>_retainedGate</c>, in publish order: writes the acknowledgement, or holds it until its id's change is on disk.</summary>
    private void WriteAcknowledgementAfterReceived(MqttPublishResponse response, bool stored)
    {
        if (_receivedLog is null)
        {
            WriteAcknowledgement(response, stored);
            return;
        }

        long sequence = 0;
        if (stored)
        {
            try
            {
                sequence = SaveReceivedLocked(response);
            }
            catch (StoreFailedException)
            {
                stored = false;
            }
        }

        _heldForReceived ??= [];
        if (_heldForReceived.Count == 0 && (sequence <= _receivedDurable || _receivedFailed))
        {
            WriteAcknowledgement(response, stored && !(_receivedFailed && sequence > _receivedDurable));
            return;
        }

        _heldForReceived.Enqueue((response, stored, sequence));
        if (sequence > _receivedRequested)
        {
            _receivedRequested = sequence;
            _receivedLog.WhenDurable(sequence, durable => OnReceivedDurable(sequence, !durable));
        }
    }

    /// <summary>The log change an acknowledgement waits for: a PUBREC adds its id, a PUBCOMP removes it; 0 when nothing changes.</summary>
    private long SaveReceivedLocked(MqttPublishResponse response)
    {
        var changed = response switch
        {
            MqttPubRec { ReasonCode: < MqttServerReason.UnspecifiedError } received => _receivedSaved!.Add(received.PacketId),
            MqttPubComp completed => _receivedSaved!.Remove(completed.PacketId),
            _ => false,
        };
        return changed ? _receivedLog!.SaveReceived(ClientId, _receivedSaved!) : 0;
    }

    private void OnReceivedDurable(long sequence, bool failed)
    {
        lock (_retainedGate)
        {
            _receivedFailed |= failed;
            if (!failed)
            {
                _receivedDurable = Math.Max(_receivedDurable, sequence);
            }

            while (_heldForReceived!.TryPeek(out var held) && (held.Sequence <= _receivedDurable || _receivedFailed))
            {
                _heldForReceived.Dequeue();
                if (((IDurableReleaseTarget<MqttPublishResponse>)this).IsOpen)
                {
                    WriteAcknowledgement(held.Response, held.Stored && held.Sequence <= _receivedDurable);
                }
            }
        }
    }
}
