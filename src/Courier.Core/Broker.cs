using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;

namespace Courier.Core;

/// <summary>
/// The root of the core model: the vhosts, the users and the options. One per node; every
/// protocol listener shares it.
/// </summary>
public sealed class Broker
{
    private readonly ConcurrentDictionary<string, VirtualHost> _virtualHosts = new(StringComparer.Ordinal);

    public Broker(BrokerOptions options)
    {
        Options = options;
        AddVirtualHost(options.DefaultVirtualHost);
        Users.AddOrReplace(options.DefaultUser, options.DefaultPassword, "administrator");
        Users.SetPermission(options.DefaultUser, options.DefaultVirtualHost, Permission.All);
    }

    public BrokerOptions Options { get; }

    public UserStore Users { get; } = new();

    public IEnumerable<VirtualHost> VirtualHosts => _virtualHosts.Values;

    public VirtualHost AddVirtualHost(string name) => _virtualHosts.GetOrAdd(name, static n => new VirtualHost(n));

    public bool TryGetVirtualHost(string name, [NotNullWhen(true)] out VirtualHost? virtualHost) =>
        _virtualHosts.TryGetValue(name, out virtualHost);

    /// <summary>
    /// Checks a login. Returns null when the user is unknown, the password is wrong, or a
    /// loopback-only user connects from elsewhere.
    /// </summary>
    public User? Authenticate(string userName, string password, EndPoint? remote)
    {
        var user = Users.Authenticate(userName, password);
        if (user is null)
        {
            return null;
        }

        if (Options.LoopbackUsers.Contains(userName) && !IsLoopback(remote))
        {
            return null;
        }

        return user;
    }

    /// <summary>Throws AccessRefused unless <paramref name="user"/> may access <paramref name="resource"/> in the vhost.</summary>
    public void Authorize(User user, VirtualHost virtualHost, AccessKind kind, string resourceKind, string resource)
    {
        var permission = Users.GetPermission(user.Name, virtualHost.Name);
        if (permission is null || !permission.Allows(kind, resource))
        {
            var verb = kind switch
            {
                AccessKind.Configure => "configure",
                AccessKind.Write => "write",
                _ => "read",
            };
            throw BrokerException.AccessRefused(
                $"{verb} access to {resourceKind} '{resource}' in vhost '{virtualHost.Name}' refused for user '{user.Name}'");
        }
    }

    /// <summary>True when the user has any permission in the vhost (what opening a connection to it needs).</summary>
    public bool MayAccess(User user, VirtualHost virtualHost) => Users.GetPermission(user.Name, virtualHost.Name) is not null;

    private static bool IsLoopback(EndPoint? remote) => remote switch
    {
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address),
        null => false,
        _ => remote.AddressFamily == System.Net.Sockets.AddressFamily.Unix,
    };
}
