using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Tls;

/// <summary>A test broker with its TLS listeners on, and the ways the tests reach them.</summary>
internal static class TlsClients
{
    /// <summary>Starts a broker with <paramref name="server"/>'s files and every TLS listener on a port of the OS's choosing.</summary>
    public static Task<TestBroker> StartAsync(IssuedCertificate server, params string[] args) => TestBroker.StartAsync(
        configure: null,
        [
            "--tls-cert", server.CertFile, "--tls-key", server.KeyFile,
            "--amqps-address", "127.0.0.1", "--amqps-port", "0",
            "--mqtts-address", "127.0.0.1", "--mqtts-port", "0",
            "--mqtt-wss-address", "127.0.0.1", "--mqtt-wss-port", "0",
            "--stomps-address", "127.0.0.1", "--stomps-port", "0",
            "--https-address", "127.0.0.1", "--https-port", "0",
            "--stomp-wss-address", "127.0.0.1", "--stomp-wss-port", "0",
            .. args,
        ]);

    public static int AmqpsPort(this TestBroker broker) => broker.Host.EndPointOf("amqps").Port;

    public static int MqttsPort(this TestBroker broker) => broker.Host.EndPointOf("mqtts").Port;

    public static int MqttWssPort(this TestBroker broker) => broker.Host.EndPointOf("mqtt-wss").Port;

    /// <summary>RabbitMQ.Client over TLS, trusting <paramref name="ca"/> only, with <paramref name="clientCertificate"/> if given.</summary>
    public static Task<IConnection> ConnectAmqpsAsync(this TestBroker broker, TestCertificateAuthority ca, X509Certificate2? clientCertificate = null, Action<ConnectionFactory>? configure = null) =>
        broker.ConnectAsync(factory =>
        {
            factory.Port = broker.AmqpsPort();
            factory.Ssl = new SslOption
            {
                Enabled = true,
                ServerName = "localhost",
                CertificateValidationCallback = ca.Validation,
                Certs = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
            };
            configure?.Invoke(factory);
        });

    /// <summary>A TLS handshake on <paramref name="port"/>; the certificate the server presented.</summary>
    public static async Task<X509Certificate2> HandshakeAsync(int port, TestCertificateAuthority ca, X509Certificate2? clientCertificate = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream());
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                RemoteCertificateValidationCallback = ca.Validation,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                EnabledSslProtocols = SslProtocols.None,
            },
            timeout.Token);
        return X509CertificateLoader.LoadCertificate(tls.RemoteCertificate!.GetRawCertData());
    }

    /// <summary>Sends <paramref name="bytes"/> on a plain socket to <paramref name="port"/>; everything the server answers before it closes (bounded).</summary>
    public static async Task<byte[]> SendRawAsync(int port, byte[] bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        var answer = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (answer.Length < 65536)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                answer.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
            // Reset by the server: it closed without reading everything.
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server kept the connection open for {Wait.DefaultTimeout.TotalSeconds} s after {answer.Length} bytes");
        }

        return answer.ToArray();
    }

    /// <summary>
    /// A ClientHello that offers TLS 1.1 at most (record and client version 0x0302), two TLS 1.1
    /// cipher suites and no extensions: what a client that cannot speak TLS 1.2 sends.
    /// </summary>
    public static byte[] Tls11ClientHello()
    {
        var body = new List<byte> { 0x03, 0x02 };
        body.AddRange(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        body.Add(0x00); // no session id
        body.AddRange([0x00, 0x04, 0xC0, 0x13, 0x00, 0x2F]); // ECDHE-RSA-AES128-SHA, AES128-SHA
        body.AddRange([0x01, 0x00]); // null compression
        var handshake = new List<byte> { 0x01, 0x00, (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        var record = new List<byte> { 0x16, 0x03, 0x02, (byte)(handshake.Count >> 8), (byte)handshake.Count };
        record.AddRange(handshake);
        return [.. record];
    }
}
