using System.Collections.Concurrent;
using Courier.Core.Sessions;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// The client sessions open in this vhost, whatever their protocol: management lists them and
/// closes them (one by one, or all when the vhost is deleted). A protocol adds its session once the
/// client is admitted; <see cref="ReleaseOwner"/>, which every protocol calls when its session ends,
/// removes it.
/// </summary>
public sealed partial class VirtualHost
{
    private readonly ConcurrentDictionary<long, ClientSession> _sessions = new();
    private long _sessionsOpened;
    private long _sessionsClosed;

    /// <summary>Sessions admitted to this vhost since it was created (RabbitMQ's <c>connections_opened_total</c>).</summary>
    public long SessionsOpened => Interlocked.Read(ref _sessionsOpened);

    /// <summary>Sessions of this vhost that ended.</summary>
    public long SessionsClosed => Interlocked.Read(ref _sessionsClosed);

    /// <summary>The sessions open in this vhost, in no particular order.</summary>
    public IEnumerable<ClientSession> Sessions => _sessions.Values;

    public int SessionCount => _sessions.Count;

    /// <summary>Registers a session admitted to this vhost, until <see cref="ReleaseOwner"/> is called for it.</summary>
    public void AddSession(ClientSession session)
    {
        if (_sessions.TryAdd(session.Id, session))
        {
            Interlocked.Increment(ref _sessionsOpened);
        }
    }

    private void RemoveSession(ClientSession session)
    {
        if (_sessions.TryRemove(session.Id, out _))
        {
            Interlocked.Increment(ref _sessionsClosed);
        }
    }
}
