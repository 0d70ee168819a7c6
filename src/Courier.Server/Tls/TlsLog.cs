using Microsoft.Extensions.Logging;

namespace Courier.Server.Tls;

/// <summary>Log messages of the TLS listeners, with stable event ids (1007x).</summary>
internal static partial class TlsLog
{
    [LoggerMessage(10070, LogLevel.Information, "TLS certificate reloaded: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}")]
    public static partial void CertificateReloaded(ILogger logger, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(10071, LogLevel.Warning, "TLS certificate files changed but do not load ({Reason}); new connections keep the previous certificate until they change again")]
    public static partial void CertificateReloadFailed(ILogger logger, string reason);

    [LoggerMessage(10072, LogLevel.Information, "TLS certificate authorities reloaded: {Count} certificates")]
    public static partial void AuthoritiesReloaded(ILogger logger, int count);

    [LoggerMessage(10073, LogLevel.Warning, "TLS certificate authorities file changed but does not load ({Reason}); client certificates are checked against the previous ones")]
    public static partial void AuthoritiesReloadFailed(ILogger logger, string reason);

    [LoggerMessage(10074, LogLevel.Debug, "Client certificate of {Subject} refused: {Status}")]
    public static partial void ClientCertificateRefused(ILogger logger, string subject, string status);
}
