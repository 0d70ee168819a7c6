using Courier.Core.Security;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;

namespace Courier.Core;

/// <summary>What an operator (the management API) changes besides what clients declare: vhosts, users and permissions.</summary>
public sealed partial class Broker
{
    /// <summary>Every client session open on the node, whatever its protocol and vhost.</summary>
    public IEnumerable<ClientSession> Sessions
    {
        get
        {
            foreach (var virtualHost in _virtualHosts.Values)
            {
                foreach (var session in virtualHost.Sessions)
                {
                    yield return session;
                }
            }
        }
    }

    /// <summary>
    /// Deletes a vhost: its clients are closed with a reason, its queues and their messages
    /// deleted, its permissions removed, and the definitions saved. False when there is no such vhost.
    /// </summary>
    public bool DeleteVirtualHost(string name)
    {
        if (!_virtualHosts.TryRemove(name, out var virtualHost))
        {
            return false;
        }

        virtualHost.Shutdown($"vhost '{name}' is deleted");
        RetireStatistics(virtualHost);
        foreach (var (user, vhost, _) in Users.Permissions)
        {
            if (vhost == name)
            {
                Users.ClearPermission(user, vhost);
            }
        }

        foreach (var (user, vhost, permission) in Users.TopicPermissions)
        {
            if (vhost == name)
            {
                Users.ClearTopicPermission(user, vhost, permission.Exchange);
            }
        }

        lock (_saveGate)
        {
            _savedVirtualHosts.Remove(name);
        }

        Limits.SetVirtualHost(name, new Dictionary<string, int>());

        SaveDefinitions();
        return true;
    }

    /// <summary>Adds or replaces a user whose salt and hash are already computed (an imported one) and saves the definitions.</summary>
    public void AddUser(User user)
    {
        Users.Add(user);
        SaveDefinitions();
    }

    /// <summary>Deletes a user and its permissions and saves the definitions; false when there is no such user.</summary>
    public bool DeleteUser(string name)
    {
        if (!Users.Remove(name))
        {
            return false;
        }

        Limits.SetUser(name, new Dictionary<string, int>());

        SaveDefinitions();
        return true;
    }

    /// <summary>Revokes a user's permissions in a vhost and saves the definitions; false when it had none.</summary>
    public bool ClearPermission(string user, string virtualHost)
    {
        if (Users.GetPermission(user, virtualHost) is null)
        {
            return false;
        }

        Users.ClearPermission(user, virtualHost);
        SaveDefinitions();
        return true;
    }

    /// <summary>Revokes a user's topic permission on one exchange of a vhost and saves the definitions; false when it had none.</summary>
    public bool ClearTopicPermission(string user, string virtualHost, string exchange)
    {
        if (!Users.ClearTopicPermission(user, virtualHost, exchange))
        {
            return false;
        }

        SaveDefinitions();
        return true;
    }

    /// <summary>True when the vhost is this broker's current one (not deleted).</summary>
    private bool IsCurrent(VirtualHost virtualHost) =>
        _virtualHosts.TryGetValue(virtualHost.Name, out var current) && ReferenceEquals(current, virtualHost);
}
