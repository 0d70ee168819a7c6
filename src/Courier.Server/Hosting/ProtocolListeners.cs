using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Server.Hosting;

/// <summary>
/// The listeners a node opens, one per protocol, each registered with its endpoint, the Kestrel
/// connection handler that serves it and the handler's options. The host binds them all the same way.
/// </summary>
internal sealed class ProtocolListeners(IServiceCollection services)
{
    private readonly List<(ProtocolListener Listener, Action<ListenOptions> UseHandler)> _registered = [];

    public IReadOnlyList<ProtocolListener> All => [.. _registered.Select(r => r.Listener)];

    /// <summary>Registers a protocol: <typeparamref name="THandler"/> serves each connection accepted on <paramref name="settings"/>, and gets <paramref name="options"/> from the container.</summary>
    public void Add<THandler, TOptions>(string protocol, string displayName, ListenerSettings settings, TOptions options)
        where THandler : ConnectionHandler
        where TOptions : class
    {
        if (_registered.Any(r => r.Listener.Protocol == protocol))
        {
            throw new InvalidOperationException($"a listener for '{protocol}' is registered already");
        }

        services.AddSingleton(options);
        _registered.Add((new ProtocolListener(protocol, displayName, new IPEndPoint(ParseAddress(settings.Address), settings.Port)), static listen => listen.UseConnectionHandler<THandler>()));
    }

    /// <summary>Opens every registered listener on Kestrel.</summary>
    public void Bind(KestrelServerOptions kestrel)
    {
        foreach (var (listener, useHandler) in _registered)
        {
            var endPoint = listener.EndPoint;
            kestrel.Listen(endPoint.Address, endPoint.Port, listen =>
            {
                useHandler(listen);
                listener.Bound(listen);
            });
        }
    }

    private static IPAddress ParseAddress(string address) => address switch
    {
        "" or "*" or "0.0.0.0" => IPAddress.Any,
        "::" => IPAddress.IPv6Any,
        "localhost" => IPAddress.Loopback,
        _ => IPAddress.Parse(address),
    };
}
