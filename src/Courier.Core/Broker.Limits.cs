using Courier.Core.Resources;
using Courier.Core.Storage;

namespace Courier.Core;

/// <summary>
/// Connection admission (the node's connection rate and connection limits, the vhost's and the
/// user's <c>max-connections</c>) and the operator's vhost and user limits, saved with the definitions.
/// </summary>
public sealed partial class Broker
{
    /// <summary>The vhost and user limits and the counts checked against them.</summary>
    public ClientLimits Limits { get; } = new();

    /// <summary>
    /// Admits a connection of <paramref name="user"/> to <paramref name="virtualHost"/> (authenticated,
    /// with access to the vhost): the node's connection rate, the node's limit, the vhost's and the
    /// user's <c>max-connections</c>, in that order. Throws NotAllowed with RabbitMQ's text (and holds
    /// nothing) when one is reached; the protocol refuses with its own error.
    /// </summary>
    public ConnectionLease OpenConnection(string user, string virtualHost)
    {
        var rate = Resources.ConnectionRate;
        if (!rate.TryTake())
        {
            throw new BrokerException(BrokerError.NotAllowed, $"connection refused: node connection rate limit ({rate.PerSecond} per second) is reached");
        }

        var node = Resources.Connections;
        if (!node.TryOpen())
        {
            throw new BrokerException(BrokerError.NotAllowed, $"connection refused: node connection limit ({node.Maximum}) is reached");
        }

        try
        {
            Limits.OpenConnection(user, virtualHost);
        }
        catch (BrokerException)
        {
            node.Close();
            throw;
        }

        return new ConnectionLease(node, Limits, user, virtualHost);
    }

    /// <summary>Replaces a vhost's limits (an empty set removes them) and saves the definitions.</summary>
    public void SetVirtualHostLimits(string virtualHost, IReadOnlyDictionary<string, int> limits)
    {
        if (!_virtualHosts.ContainsKey(virtualHost))
        {
            throw BrokerException.NotFound($"no vhost '{virtualHost}'");
        }

        Limits.SetVirtualHost(virtualHost, limits);
        SaveDefinitions();
    }

    /// <summary>Replaces a user's limits (an empty set removes them) and saves the definitions.</summary>
    public void SetUserLimits(string user, IReadOnlyDictionary<string, int> limits)
    {
        if (!Users.TryGet(user, out _))
        {
            throw BrokerException.NotFound($"no user '{user}'");
        }

        Limits.SetUser(user, limits);
        SaveDefinitions();
    }

    /// <summary>The limits as the definitions save them.</summary>
    private void AddLimitRecords(DefinitionSnapshot snapshot)
    {
        foreach (var (owner, limits) in Limits.VirtualHosts)
        {
            snapshot.VirtualHostLimits.AddRange(limits.Select(l => new LimitRecord(owner, l.Key, l.Value)));
        }

        foreach (var (owner, limits) in Limits.Users)
        {
            snapshot.UserLimits.AddRange(limits.Select(l => new LimitRecord(owner, l.Key, l.Value)));
        }
    }

    /// <summary>Puts back the limits the definitions saved (before any client connects).</summary>
    private void RestoreLimits(DefinitionSnapshot snapshot)
    {
        foreach (var owner in snapshot.VirtualHostLimits.GroupBy(l => l.Owner, StringComparer.Ordinal))
        {
            Limits.SetVirtualHost(owner.Key, owner.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal));
        }

        foreach (var owner in snapshot.UserLimits.GroupBy(l => l.Owner, StringComparer.Ordinal))
        {
            Limits.SetUser(owner.Key, owner.ToDictionary(l => l.Name, l => l.Value, StringComparer.Ordinal));
        }
    }
}
