using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Tls;

/// <summary>STOMP over TLS (61614's twin of 61613): a STOMP 1.2 session over an SslStream, a SEND coming back as a MESSAGE.</summary>
public sealed class StompsTests
{
    [Fact]
    public async Task A_STOMP_client_over_TLS_connects_and_gets_its_send_back()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());
        var port = broker.Host.EndPointOf("stomps").Port;

        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = "localhost", RemoteCertificateValidationCallback = ca.Validation, EnabledSslProtocols = SslProtocols.None },
            timeout.Token);

        await tls.WriteAsync(Encoding.UTF8.GetBytes("CONNECT\naccept-version:1.2\nhost:/\n\n\0"), timeout.Token);
        Assert.StartsWith("CONNECTED\n", await ReadFrameAsync(tls, timeout.Token), StringComparison.Ordinal);
        await tls.WriteAsync(Encoding.UTF8.GetBytes("SUBSCRIBE\nid:0\ndestination:/queue/stomps\nreceipt:r1\n\n\0"), timeout.Token);
        Assert.StartsWith("RECEIPT\n", await ReadFrameAsync(tls, timeout.Token), StringComparison.Ordinal);
        await tls.WriteAsync(Encoding.UTF8.GetBytes("SEND\ndestination:/queue/stomps\n\nover tls\0"), timeout.Token);
        var message = await ReadFrameAsync(tls, timeout.Token);
        Assert.StartsWith("MESSAGE\n", message, StringComparison.Ordinal);
        Assert.EndsWith("\n\nover tls", message, StringComparison.Ordinal);
    }

    /// <summary>One frame up to its NUL (heart-beat EOLs before it skipped); bodies here carry no NUL.</summary>
    private static async Task<string> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        var frame = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new EndOfStreamException($"closed after {Encoding.UTF8.GetString([.. frame])}");
            }

            if (one[0] == 0)
            {
                return Encoding.UTF8.GetString([.. frame]);
            }

            if (frame.Count > 0 || one[0] is not ((byte)'\n' or (byte)'\r'))
            {
                frame.Add(one[0]);
            }
        }
    }
}
