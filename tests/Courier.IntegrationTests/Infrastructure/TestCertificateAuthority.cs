using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Courier.IntegrationTests.Infrastructure;

/// <summary>
/// A certificate authority made for one test, in a temporary directory: it issues server
/// certificates (for 127.0.0.1 and localhost) and client certificates, each written as PEM files
/// the broker reads. Disposing it deletes the directory.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");
    private readonly ECDsa _key;

    public TestCertificateAuthority(string name = "Courier Test CA")
    {
        Directory = Path.Combine(Path.GetTempPath(), "courier-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaFile = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaFile, Certificate.ExportCertificatePem());
    }

    public string Directory { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>The authority's certificate as PEM, for <c>--tls-ca</c> and the clients' trust.</summary>
    public string CaFile { get; }

    /// <summary>Issues a server certificate for 127.0.0.1 and localhost; writes <c>NAME.pem</c> and <c>NAME.key</c>.</summary>
    public IssuedCertificate IssueServer(string fileName = "server", string commonName = "localhost")
    {
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName("localhost");
        sans.AddIpAddress(IPAddress.Loopback);
        return Issue(fileName, commonName, ServerAuthentication, sans.Build());
    }

    /// <summary>Issues a client certificate whose CN is <paramref name="commonName"/>.</summary>
    public IssuedCertificate IssueClient(string commonName, string? fileName = null) =>
        Issue(fileName ?? "client-" + commonName, commonName, ClientAuthentication, extension: null);

    /// <summary>Writes <paramref name="certificate"/>'s PEM files over <paramref name="certFile"/> and <paramref name="keyFile"/> (the key first, as a renewal might).</summary>
    public static void WriteFiles(IssuedCertificate certificate, string certFile, string keyFile)
    {
        File.WriteAllText(keyFile, certificate.KeyPem);
        File.WriteAllText(certFile, certificate.CertificatePem);
    }

    /// <summary>Whether <paramref name="certificate"/> chains to this authority (the clients' server certificate check).</summary>
    public bool Trusts(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>A validation callback for TLS clients that trusts this authority only.</summary>
    public RemoteCertificateValidationCallback Validation => (_, certificate, _, _) => Trusts(certificate);

    public void Dispose()
    {
        _key.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private IssuedCertificate Issue(string fileName, string commonName, Oid usage, X509Extension? extension)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}, O=Courier tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (extension is not null)
        {
            request.CertificateExtensions.Add(extension);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        var result = new IssuedCertificate(
            X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), password: null),
            Path.Combine(Directory, fileName + ".pem"),
            Path.Combine(Directory, fileName + ".key"),
            issued.ExportCertificatePem(),
            key.ExportPkcs8PrivateKeyPem());
        WriteFiles(result, result.CertFile, result.KeyFile);
        return result;
    }
}

/// <summary>A certificate with its key, and the PEM files it was written to.</summary>
public sealed record IssuedCertificate(X509Certificate2 Certificate, string CertFile, string KeyFile, string CertificatePem, string KeyPem)
{
    public string Thumbprint => Certificate.Thumbprint;
}
