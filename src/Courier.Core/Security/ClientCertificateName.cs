using System.Security.Cryptography.X509Certificates;

namespace Courier.Core.Security;

/// <summary>
/// The user name a verified TLS client certificate stands for: its subject's common name (CN), as
/// RabbitMQ's default <c>ssl_cert_login_from = common_name</c>. Used by SASL EXTERNAL (AMQP) and
/// certificate login (MQTT).
/// </summary>
public static class ClientCertificateName
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The first CN of the subject; null without a certificate or without a CN (no other attribute stands in for it).</summary>
    public static string? CommonName(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (name.GetSingleElementType().Value == CommonNameOid && name.GetSingleElementValue() is { Length: > 0 } value)
            {
                return value;
            }
        }

        return null;
    }
}
