using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Courier.Core.Security;

/// <summary>The users the broker knows and their permissions per vhost.</summary>
public sealed class UserStore
{
    private readonly ConcurrentDictionary<string, User> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string User, string VirtualHost), Permission> _permissions = new();
    private readonly ConcurrentDictionary<(string User, string VirtualHost, string Exchange), TopicPermission> _topicPermissions = new();
    private bool _hasTopicPermissions;

    public IEnumerable<User> Users => _users.Values;

    public User AddOrReplace(string name, string password, params string[] tags)
    {
        var user = new User(name, password, tags);
        _users[name] = user;
        return user;
    }

    public void Add(User user) => _users[user.Name] = user;

    /// <summary>Every (user, vhost, permission) there is.</summary>
    public IEnumerable<(string User, string VirtualHost, Permission Permission)> Permissions
    {
        get
        {
            foreach (var (key, permission) in _permissions)
            {
                yield return (key.User, key.VirtualHost, permission);
            }
        }
    }

    /// <summary>Every (user, vhost, topic permission) there is.</summary>
    public IEnumerable<(string User, string VirtualHost, TopicPermission Permission)> TopicPermissions
    {
        get
        {
            foreach (var (key, permission) in _topicPermissions)
            {
                yield return (key.User, key.VirtualHost, permission);
            }
        }
    }

    /// <summary>
    /// True once any topic permission has been set: until then a topic check costs one read (an
    /// empty <see cref="ConcurrentDictionary{TKey,TValue}"/> takes every lock to say so).
    /// </summary>
    public bool HasTopicPermissions => Volatile.Read(ref _hasTopicPermissions);

    public void Clear()
    {
        _users.Clear();
        _permissions.Clear();
        _topicPermissions.Clear();
    }

    public bool Remove(string name)
    {
        if (!_users.TryRemove(name, out _))
        {
            return false;
        }

        foreach (var key in _permissions.Keys)
        {
            if (key.User == name)
            {
                _permissions.TryRemove(key, out _);
            }
        }

        foreach (var key in _topicPermissions.Keys)
        {
            if (key.User == name)
            {
                _topicPermissions.TryRemove(key, out _);
            }
        }

        return true;
    }

    public bool TryGet(string name, [NotNullWhen(true)] out User? user) => _users.TryGetValue(name, out user);

    /// <summary>Returns the user when the password is right, else null (the caller does not learn which part was wrong).</summary>
    public User? Authenticate(string name, string password) =>
        _users.TryGetValue(name, out var user) && user.CheckPassword(password) ? user : null;

    public void SetPermission(string user, string virtualHost, Permission permission) =>
        _permissions[(user, virtualHost)] = permission;

    public void ClearPermission(string user, string virtualHost) => _permissions.TryRemove((user, virtualHost), out _);

    public Permission? GetPermission(string user, string virtualHost) =>
        _permissions.TryGetValue((user, virtualHost), out var permission) ? permission : null;

    public void SetTopicPermission(string user, string virtualHost, TopicPermission permission)
    {
        _topicPermissions[(user, virtualHost, permission.Exchange)] = permission;
        Volatile.Write(ref _hasTopicPermissions, true);
    }

    public bool ClearTopicPermission(string user, string virtualHost, string exchange) =>
        _topicPermissions.TryRemove((user, virtualHost, exchange), out _);

    /// <summary>The user's topic permission on <paramref name="exchange"/> in the vhost, or null when there is none (then anything is allowed).</summary>
    public TopicPermission? GetTopicPermission(string user, string virtualHost, string exchange) =>
        _topicPermissions.TryGetValue((user, virtualHost, exchange), out var permission) ? permission : null;
}
