using System.Collections.Concurrent;

namespace Courier.Core.Resources;

/// <summary>
/// The per-vhost limits (<c>max-connections</c>, <c>max-queues</c>) and per-user limits
/// (<c>max-connections</c>, <c>max-channels</c>) an operator sets, as RabbitMQ's vhost and user
/// limits, and the counts they are checked against. A limit of 0 refuses everything, a negative
/// one (or none) nothing. Counts are taken and given back with interlocked operations, so two
/// connections racing for the last slot never both get it.
/// </summary>
public sealed class ClientLimits
{
    public const string MaxConnections = "max-connections";
    public const string MaxQueues = "max-queues";
    public const string MaxChannels = "max-channels";

    /// <summary>The limit names a vhost can have.</summary>
    public static readonly IReadOnlyList<string> VirtualHostLimitNames = [MaxConnections, MaxQueues];

    /// <summary>The limit names a user can have.</summary>
    public static readonly IReadOnlyList<string> UserLimitNames = [MaxConnections, MaxChannels];

    private static readonly IReadOnlyDictionary<string, int> None = new Dictionary<string, int>(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> _virtualHosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Count> _virtualHostConnections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Count> _userConnections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Count> _userChannels = new(StringComparer.Ordinal);

    /// <summary>Every vhost that has limits, with them.</summary>
    public IEnumerable<KeyValuePair<string, IReadOnlyDictionary<string, int>>> VirtualHosts => _virtualHosts.OrderBy(p => p.Key, StringComparer.Ordinal);

    /// <summary>Every user that has limits, with them.</summary>
    public IEnumerable<KeyValuePair<string, IReadOnlyDictionary<string, int>>> Users => _users.OrderBy(p => p.Key, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> OfVirtualHost(string name) => _virtualHosts.GetValueOrDefault(name, None);

    public IReadOnlyDictionary<string, int> OfUser(string name) => _users.GetValueOrDefault(name, None);

    /// <summary>Replaces a vhost's limits; an empty set removes them.</summary>
    public void SetVirtualHost(string name, IReadOnlyDictionary<string, int> limits) => Set(_virtualHosts, name, limits, VirtualHostLimitNames, "vhost");

    /// <summary>Replaces a user's limits; an empty set removes them.</summary>
    public void SetUser(string name, IReadOnlyDictionary<string, int> limits) => Set(_users, name, limits, UserLimitNames, "user");

    /// <summary>Open connections to a vhost, counted against its <c>max-connections</c>.</summary>
    public int ConnectionsTo(string virtualHost) => _virtualHostConnections.TryGetValue(virtualHost, out var count) ? count.Value : 0;

    /// <summary>Open connections of a user, counted against its <c>max-connections</c>.</summary>
    public int ConnectionsOf(string user) => _userConnections.TryGetValue(user, out var count) ? count.Value : 0;

    /// <summary>Open AMQP channels of a user, counted against its <c>max-channels</c>.</summary>
    public int ChannelsOf(string user) => _userChannels.TryGetValue(user, out var count) ? count.Value : 0;

    /// <summary>The limit, or -1 when there is none.</summary>
    public int VirtualHostLimit(string virtualHost, string name) => OfVirtualHost(virtualHost).GetValueOrDefault(name, -1);

    /// <summary>The limit, or -1 when there is none.</summary>
    public int UserLimit(string user, string name) => OfUser(user).GetValueOrDefault(name, -1);

    /// <summary>Counts a connection of <paramref name="user"/> to <paramref name="virtualHost"/>, or throws NotAllowed with RabbitMQ's text (nothing counted).</summary>
    internal void OpenConnection(string user, string virtualHost)
    {
        var vhostLimit = VirtualHostLimit(virtualHost, MaxConnections);
        if (!TryTake(_virtualHostConnections, virtualHost, vhostLimit))
        {
            throw new BrokerException(BrokerError.NotAllowed, $"access to vhost '{virtualHost}' refused for user '{user}': connection limit ({vhostLimit}) is reached");
        }

        var userLimit = UserLimit(user, MaxConnections);
        if (!TryTake(_userConnections, user, userLimit))
        {
            Give(_virtualHostConnections, virtualHost, 1);
            throw new BrokerException(BrokerError.NotAllowed, $"connection refused for user '{user}': user connection limit ({userLimit}) is reached");
        }
    }

    internal void CloseConnection(string user, string virtualHost)
    {
        Give(_virtualHostConnections, virtualHost, 1);
        Give(_userConnections, user, 1);
    }

    /// <summary>Counts an AMQP channel of <paramref name="user"/>, or throws NotAllowed with RabbitMQ's text (nothing counted).</summary>
    internal void OpenChannel(string user)
    {
        var limit = UserLimit(user, MaxChannels);
        if (!TryTake(_userChannels, user, limit))
        {
            throw new BrokerException(BrokerError.NotAllowed, $"number of channels opened for user '{user}' has reached the maximum allowed user limit of ({limit})");
        }
    }

    internal void CloseChannels(string user, int count)
    {
        if (count > 0)
        {
            Give(_userChannels, user, count);
        }
    }

    private static void Set(ConcurrentDictionary<string, IReadOnlyDictionary<string, int>> all, string name, IReadOnlyDictionary<string, int> limits, IReadOnlyList<string> known, string kind)
    {
        foreach (var limit in limits.Keys)
        {
            if (!known.Contains(limit))
            {
                throw new BrokerException(BrokerError.CommandInvalid, $"unknown {kind} limit '{limit}'; {kind} limits are {string.Join(", ", known)}");
            }
        }

        if (limits.Count == 0)
        {
            all.TryRemove(name, out _);
        }
        else
        {
            all[name] = new Dictionary<string, int>(limits, StringComparer.Ordinal);
        }
    }

    private static bool TryTake(ConcurrentDictionary<string, Count> counts, string key, int limit)
    {
        var count = counts.GetOrAdd(key, static _ => new Count());
        var taken = Interlocked.Increment(ref count.Value);
        if (limit >= 0 && taken > limit)
        {
            Interlocked.Decrement(ref count.Value);
            return false;
        }

        return true;
    }

    private static void Give(ConcurrentDictionary<string, Count> counts, string key, int n)
    {
        if (counts.TryGetValue(key, out var count))
        {
            Interlocked.Add(ref count.Value, -n);
        }
    }

    private sealed class Count
    {
        public int Value;
    }
}
