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

    /// <summary>The sessions open in this vhost, in no particular order.</summary>
    public IEnumerable<ClientSession> Sessions => _sessions.Values;

    public int SessionCount => _sessions.Count;

    /// <summary>Registers a session admitted to this vhost, until <see cref="ReleaseOwner"/> is called for it.</summary>
    public void AddSession(ClientSession session) => _sessions[session.Id] = session;

    private void RemoveSession(ClientSession session) => _sessions.TryRemove(session.Id, out _);
}
