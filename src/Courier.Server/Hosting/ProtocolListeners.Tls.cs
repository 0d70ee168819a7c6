using System.Net;
using Courier.Server.Tls;

namespace Courier.Server.Hosting;

/// <summary>TLS twins: a listener's protocol again, on its own port, behind a TLS handshake.</summary>
internal sealed partial class ProtocolListeners
{
    /// <summary>The node's TLS certificate and policy; null when none is configured, and then no TLS twin opens.</summary>
    public TlsListenerSecurity? Tls { get; set; }

    /// <summary>
    /// Registers the TLS twin of the listener registered as <paramref name="of"/>: the same handler
    /// (and, for a WebSocket listener, the same path and subprotocols) on <paramref name="settings"/>,
    /// each connection first completing a TLS handshake. Without a certificate nothing opens, and a
    /// port configured for the twin is a <see cref="ConfigurationException"/>.
    /// </summary>
    public void AddTls(string of, string protocol, string displayName, TlsListenerSettings settings)
    {
        if (Tls is not { } tls)
        {
            if (settings.PortGiven)
            {
                throw new ConfigurationException($"a port is set for {displayName} but TLS has no certificate: give --tls-cert and --tls-key, or leave the port out");
            }

            return;
        }

        if (_registered.Any(r => r.Listener.Protocol == protocol))
        {
            throw new InvalidOperationException($"a listener for '{protocol}' is registered already");
        }

        var plain = _registered.FindIndex(r => r.Listener.Protocol == of);
        if (plain < 0)
        {
            throw new InvalidOperationException($"no listener '{of}' to make a TLS twin of");
        }

        var useHandler = _registered[plain].UseHandler;
        _registered.Add((new ProtocolListener(protocol, displayName, new IPEndPoint(ParseAddress(settings.Address), settings.Port)), listen =>
        {
            // Middleware runs in the order it is added: the handshake first, then the protocol.
            tls.Apply(listen);
            useHandler(listen);
        }));
    }
}
