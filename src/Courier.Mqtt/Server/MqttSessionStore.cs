using System.Runtime.CompilerServices;
using Courier.Core;
using Courier.Core.VirtualHosts;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// The sessions of one broker whose clients are away, by vhost and client id, until the client
/// comes back or the session expires. In memory only: a restart forgets them (docs/mqtt.md).
/// </summary>
internal sealed class MqttSessionStore
{
    private static readonly ConditionalWeakTable<Broker, MqttSessionStore> s_byBroker = [];
    private readonly Dictionary<(string VirtualHost, string ClientId), MqttSessionState> _sessions = [];

    public static MqttSessionStore For(Broker broker) => s_byBroker.GetValue(broker, static _ => new MqttSessionStore());

    /// <summary>Takes back the session a returning client left (its timers stopped), or null when there is none.</summary>
    public MqttSessionState? Take(string virtualHost, string clientId)
    {
        MqttSessionState? state;
        lock (_sessions)
        {
            if (!_sessions.Remove((virtualHost, clientId), out state))
            {
                return null;
            }
        }

        state.WillTimer?.Dispose();
        state.ExpiryTimer?.Dispose();
        return state;
    }

    /// <summary>
    /// Keeps <paramref name="state"/> until the client returns or <paramref name="expiry"/> passes;
    /// a pending will goes out after <paramref name="willDelay"/>, or when the session expires if sooner.
    /// </summary>
    public void Keep(string virtualHost, string clientId, MqttSessionState state, TimeSpan expiry, TimeSpan willDelay, TimeProvider time)
    {
        var key = (virtualHost, clientId);
        lock (_sessions)
        {
            _sessions[key] = state;
            state.ExpiryTimer = time.CreateTimer(
                static s => { var (store, k, st) = ((MqttSessionStore, (string, string), MqttSessionState))s!; store.Expire(k, st); },
                (this, key, state), expiry, Timeout.InfiniteTimeSpan);
            if (state.PendingWill is not null && willDelay < expiry)
            {
                state.WillTimer = time.CreateTimer(static s => PublishWill((MqttSessionState)s!), state, willDelay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Expire((string, string) key, MqttSessionState state)
    {
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(key, out var current) || !ReferenceEquals(current, state))
            {
                return;
            }

            _sessions.Remove(key);
        }

        state.WillTimer?.Dispose();
        state.ExpiryTimer?.Dispose();
        PublishWill(state);
    }

    /// <summary>Publishes the session's pending will once, whoever gets there first (its delay, the session's end, a clean start).</summary>
    public static void PublishWill(MqttSessionState state)
    {
        (MqttWill Will, VirtualHost VirtualHost, Broker Broker)? pending;
        lock (state)
        {
            pending = state.PendingWill;
            state.PendingWill = null;
        }

        if (pending is { } will)
        {
            MqttConnection.PublishWill(will.Broker, will.VirtualHost, will.Will);
        }
    }
}
