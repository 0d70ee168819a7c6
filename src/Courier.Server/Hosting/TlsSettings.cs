namespace Courier.Server.Hosting;

/// <summary>
/// The node's TLS certificate and client-certificate policy, shared by every TLS listener (see
/// docs/operations.md, "TLS"). No certificate configured: no TLS listener opens.
/// </summary>
public sealed class TlsSettings
{
    /// <summary>PEM file with the server certificate first, then any intermediates to send with it.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM file with the certificate's private key (unencrypted PKCS#8, PKCS#1 or SEC 1).</summary>
    public string? KeyFile { get; set; }

    /// <summary>PEM file with the certificate authorities that client certificates must chain to.</summary>
    public string? CaFile { get; set; }

    /// <summary><c>none</c> (no client certificate asked for, the default) or <c>peer</c> (asked for, and verified against <see cref="CaFile"/> when sent).</summary>
    public string Verify { get; set; } = "none";

    /// <summary>With <c>Verify peer</c>: a client that sends no certificate fails the handshake.</summary>
    public bool FailIfNoPeerCert { get; set; }
}

/// <summary>
/// Where a TLS listener listens. It opens only when a certificate is configured; a port configured
/// without one is an error at start rather than a listener silently missing.
/// </summary>
public abstract class TlsListenerSettings : ListenerSettings
{
    private int? _port;

    public sealed override int Port
    {
        get => _port ?? DefaultPort;
        set => _port = value;
    }

    /// <summary>Whether the port was configured (in any source), not just defaulted.</summary>
    internal bool PortGiven => _port is not null;

    protected abstract int DefaultPort { get; }
}

/// <summary>AMQP 0-9-1 over TLS (AMQPS), on 5671 as in RabbitMQ.</summary>
public sealed class AmqpsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 5671;
}

/// <summary>MQTT over TLS, on 8883 (IANA's secure-mqtt port).</summary>
public sealed class MqttsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 8883;
}

/// <summary>MQTT over secure WebSockets, on 15676 as RabbitMQ's Web MQTT TLS listener; same path as the plain one.</summary>
public sealed class MqttWebSocketsTlsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 15676;
}

/// <summary>The management API over TLS (HTTPS), on 15671 as RabbitMQ's management plugin's TLS listener.</summary>
public sealed class HttpsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 15671;
}

/// <summary>STOMP over TLS, on 61614 as RabbitMQ's STOMP plugin's TLS listener.</summary>
public sealed class StompsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 61614;
}

/// <summary>STOMP over secure WebSockets, on 15673 as RabbitMQ's Web STOMP TLS listener; same path as the plain one.</summary>
public sealed class StompWebSocketsTlsListenerOptions : TlsListenerSettings
{
    protected override int DefaultPort => 15673;
}
