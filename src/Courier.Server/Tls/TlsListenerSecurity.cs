using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Courier.Server.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Server.Tls;

/// <summary>
/// What every TLS listener of a node shares: the server certificate (reloaded when its files
/// change), TLS 1.2 and 1.3 only, and the client-certificate policy. Put in front of any listener's
/// connection handler by <see cref="Apply"/>, so the protocol behind it reads plain bytes.
/// </summary>
/// <remarks>
/// No ALPN is offered: AMQP, MQTT and STOMP clients do not ask for it, a client that offers some
/// (a browser opening a WebSocket) goes on without, and HTTP then is HTTP/1.1, which is what the
/// WebSocket upgrade needs.
/// </remarks>
internal sealed class TlsListenerSecurity
{
    /// <summary>TLS 1.2 and 1.3; a client offering only older versions fails the handshake.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly ReloadingFiles<SslStreamCertificateContext> _certificate;
    private readonly ReloadingFiles<X509Certificate2Collection>? _authorities;
    private readonly bool _failIfNoPeerCert;
    private ILogger _logger = NullLogger.Instance;

    private TlsListenerSecurity(ReloadingFiles<SslStreamCertificateContext> certificate, ReloadingFiles<X509Certificate2Collection>? authorities, bool failIfNoPeerCert)
    {
        _certificate = certificate;
        _authorities = authorities;
        _failIfNoPeerCert = failIfNoPeerCert;
        _certificate.Reloaded += context => TlsLog.CertificateReloaded(_logger, context.TargetCertificate.Subject, context.TargetCertificate.Thumbprint, context.TargetCertificate.NotAfter.ToUniversalTime());
        _certificate.ReloadFailed += e => TlsLog.CertificateReloadFailed(_logger, e.Message);
        if (_authorities is not null)
        {
            _authorities.Reloaded += cas => TlsLog.AuthoritiesReloaded(_logger, cas.Count);
            _authorities.ReloadFailed += e => TlsLog.AuthoritiesReloadFailed(_logger, e.Message);
        }
    }

    /// <summary>How long a client has to complete the TLS handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether client certificates are asked for (and verified when sent).</summary>
    public bool VerifyPeer => _authorities is not null;

    /// <summary>The certificate new handshakes present (reloaded first if its files changed).</summary>
    public X509Certificate2 CurrentCertificate => _certificate.Current.TargetCertificate;

    /// <summary>
    /// Reads the TLS settings: null when no certificate is configured. A half configuration (a
    /// certificate without its key, client verification without authorities) or files that do not
    /// load are a <see cref="ConfigurationException"/>.
    /// </summary>
    public static TlsListenerSecurity? From(TlsSettings settings)
    {
        var verify = settings.Verify.ToLowerInvariant() switch
        {
            "none" => false,
            "peer" => true,
            _ => throw new ConfigurationException($"Tls:Verify (--tls-verify) must be none or peer, not '{settings.Verify}'"),
        };
        if (settings.CertFile is null && settings.KeyFile is null)
        {
            if (settings.CaFile is not null || verify || settings.FailIfNoPeerCert)
            {
                throw new ConfigurationException("client certificate settings (--tls-ca, --tls-verify, --tls-fail-if-no-peer-cert) need a server certificate: --tls-cert and --tls-key");
            }

            return null;
        }

        if (settings.CertFile is null || settings.KeyFile is null)
        {
            throw new ConfigurationException("TLS needs both --tls-cert (Tls:CertFile) and --tls-key (Tls:KeyFile)");
        }

        if (verify != (settings.CaFile is not null))
        {
            throw new ConfigurationException("--tls-verify peer and --tls-ca (Tls:CaFile) go together: client certificates are verified against the authorities of that file");
        }

        if (settings.FailIfNoPeerCert && !verify)
        {
            throw new ConfigurationException("--tls-fail-if-no-peer-cert needs --tls-verify peer");
        }

        var certFile = Path.GetFullPath(settings.CertFile);
        var keyFile = Path.GetFullPath(settings.KeyFile);
        try
        {
            var certificate = new ReloadingFiles<SslStreamCertificateContext>(() => LoadCertificate(certFile, keyFile), certFile, keyFile);
            ReloadingFiles<X509Certificate2Collection>? authorities = null;
            if (settings.CaFile is not null)
            {
                var caFile = Path.GetFullPath(settings.CaFile);
                authorities = new ReloadingFiles<X509Certificate2Collection>(() => LoadAuthorities(caFile), caFile);
            }

            return new TlsListenerSecurity(certificate, authorities, settings.FailIfNoPeerCert);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new ConfigurationException($"TLS: {e.Message}", e);
        }
    }

    /// <summary>Puts a TLS handshake in front of whatever serves <paramref name="listen"/>; call before the handler is set.</summary>
    public void Apply(ListenOptions listen)
    {
        if (_logger == NullLogger.Instance)
        {
            _logger = listen.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.Tls");
        }

        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            HandshakeTimeout = HandshakeTimeout,
            OnConnection = _ => ValueTask.FromResult(ServerOptions()),
        });
    }

    private SslServerAuthenticationOptions ServerOptions() => new()
    {
        ServerCertificateContext = _certificate.Current,
        EnabledSslProtocols = Protocols,
        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        ClientCertificateRequired = VerifyPeer,
        RemoteCertificateValidationCallback = VerifyPeer ? ValidateClientCertificate : null,
    };

    /// <summary>
    /// A client certificate is good when it chains to one of the configured authorities (and only
    /// those, not the system's), and is meant for client authentication if it says what it is for.
    /// No certificate is good unless <c>FailIfNoPeerCert</c>.
    /// </summary>
    private bool ValidateClientCertificate(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return !_failIfNoPeerCert;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities!.Current);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // The intermediates the client sent.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (chain.Build(leaf))
        {
            return true;
        }

        TlsLog.ClientCertificateRefused(_logger, leaf.Subject, string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
        return false;
    }

    private static SslStreamCertificateContext LoadCertificate(string certFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);

        // A key loaded from PEM is ephemeral; a PKCS#12 round trip gives a certificate the TLS
        // stack can sign with on every platform.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        var intermediates = new X509Certificate2Collection();
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certFile);
        foreach (var other in all)
        {
            if (other.Thumbprint != certificate.Thumbprint)
            {
                intermediates.Add(other);
            }
        }

        return SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    private static X509Certificate2Collection LoadAuthorities(string caFile)
    {
        var authorities = new X509Certificate2Collection();
        authorities.ImportFromPemFile(caFile);
        if (authorities.Count == 0)
        {
            throw new CryptographicException($"{caFile} holds no PEM certificate");
        }

        return authorities;
    }
}
