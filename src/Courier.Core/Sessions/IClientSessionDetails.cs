namespace Courier.Core.Sessions;

/// <summary>
/// What a protocol can tell management about one of its sessions beyond <see cref="ClientSession"/>:
/// implemented, optionally, by the same object as <see cref="IClientSessionControl"/>. Read from
/// any thread, for display only: a value may be a moment old.
/// </summary>
public interface IClientSessionDetails
{
    /// <summary>How the connection is shown, e.g. <c>127.0.0.1:50000 -> 127.0.0.1:5672</c>.</summary>
    string Name { get; }

    /// <summary>The protocol and version as shown to operators, e.g. <c>AMQP 0-9-1</c>.</summary>
    string ProtocolDisplayName { get; }

    /// <summary>The client's own description of itself (AMQP client properties), or null.</summary>
    IReadOnlyDictionary<string, object?>? ClientProperties { get; }

    /// <summary>A snapshot of the session's open channels (empty for protocols without channels).</summary>
    IReadOnlyList<SessionChannel> GetChannels();

    /// <summary>The connection's bytes and reads/writes on its transport since it was accepted.</summary>
    Statistics.ConnectionTraffic Traffic { get; }
}

/// <summary>One channel of a session, as management lists it, with the counts it keeps (its <c>message_stats</c>).</summary>
public sealed record SessionChannel(int Number, int ConsumerCount, int UnacknowledgedCount, int Prefetch, Statistics.ChannelCounters Counters);
