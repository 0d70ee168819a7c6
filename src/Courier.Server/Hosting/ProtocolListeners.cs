using System.Net;
using Courier.Server.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    /// <summary>
    /// Registers a protocol over WebSockets: each connection accepted on <paramref name="settings"/>
    /// is upgraded on its path to one of <paramref name="subProtocols"/>, then served by
    /// <typeparamref name="THandler"/> (registered with its options by <see cref="Add{THandler, TOptions}"/>) over the frames.
    /// A <paramref name="textProtocol"/> (STOMP) also takes text messages, and upgrades that offer no subprotocol.
    /// </summary>
    public void AddWebSocket<THandler>(string protocol, string displayName, WebSocketListenerSettings settings, IReadOnlyList<string> subProtocols, long maxFramePayloadBytes, bool textProtocol = false)
        where THandler : ConnectionHandler
    {
        if (_registered.Any(r => r.Listener.Protocol == protocol))
        {
            throw new InvalidOperationException($"a listener for '{protocol}' is registered already");
        }

        if (!settings.Path.StartsWith('/'))
        {
            throw new ArgumentException($"the WebSocket path of {displayName} must start with '/', not '{settings.Path}'");
        }

        var options = new WebSocketTransportOptions { Path = settings.Path, SubProtocols = subProtocols, MaxFramePayloadBytes = maxFramePayloadBytes, AcceptTextFrames = textProtocol, SubProtocolOptional = textProtocol };
        _registered.Add((new ProtocolListener(protocol, displayName, new IPEndPoint(ParseAddress(settings.Address), settings.Port)), listen =>
        {
            var services = listen.ApplicationServices;
            var handler = new WebSocketConnectionHandler(
                ActivatorUtilities.GetServiceOrCreateInstance<THandler>(services),
                options,
                services.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.WebSockets"),
                services.GetRequiredService<TimeProvider>());
            listen.Run(handler.OnConnectedAsync);
        }));
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
