using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Server.Hosting;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Tls;

/// <summary>AMQP 0-9-1 over TLS with RabbitMQ.Client: the certificate from PEM files, TLS 1.2+ only, reload without restart.</summary>
public sealed class AmqpsTests
{
    [Fact]
    public async Task RabbitMQ_client_publishes_and_consumes_over_TLS_and_sees_the_configured_certificate()
    {
        using var ca = new TestCertificateAuthority();
        var server = ca.IssueServer();
        await using var broker = await TlsClients.StartAsync(server);
        string? presented = null;

        await using var connection = await broker.ConnectAmqpsAsync(ca, configure: f => f.Ssl.CertificateValidationCallback = (_, certificate, _, _) =>
        {
            presented = certificate is null ? null : System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).Thumbprint;
            return ca.Trusts(certificate);
        });
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.BasicPublishAsync("", queue, mandatory: true, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes("over tls"));
        var got = await Wait.ForAsync(channel.BasicGetAsync(queue, autoAck: true), "basic.get");

        Assert.Equal(server.Thumbprint, presented);
        Assert.NotNull(got);
        Assert.Equal("over tls", Encoding.UTF8.GetString(got.Body.Span));
    }

    [Fact]
    public async Task A_plaintext_client_and_a_TLS_1_1_client_are_refused_and_an_open_TLS_connection_goes_on()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());
        await using var open = await broker.ConnectAmqpsAsync(ca);
        await using var channel = await open.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;

        var plaintext = await TlsClients.SendRawAsync(broker.AmqpsPort(), "AMQP\0\0\x09\x01"u8.ToArray());
        var tls11 = await TlsClients.SendRawAsync(broker.AmqpsPort(), TlsClients.Tls11ClientHello());

        // Nothing but, at most, a TLS alert (content type 21): no connection.start, no ServerHello.
        Assert.True(plaintext.Length == 0 || plaintext[0] == 0x15, $"the plaintext client got {Convert.ToHexString(plaintext)}");
        Assert.True(tls11.Length == 0 || tls11[0] == 0x15, $"the TLS 1.1 client got {Convert.ToHexString(tls11)}");
        await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes("still here"));
        var got = await Wait.ForAsync(PollAsync(channel, queue), "the message on the open TLS connection");
        Assert.Equal("still here", Encoding.UTF8.GetString(got.Body.Span));
        await using var another = await broker.ConnectAmqpsAsync(ca);
        Assert.True(another.IsOpen);
    }

    [Fact]
    public async Task The_plain_AMQP_port_stays_plain_next_to_the_TLS_one()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());

        await using var plain = await broker.ConnectAsync();
        await using var tls = await broker.ConnectAmqpsAsync(ca);

        Assert.True(plain.IsOpen);
        Assert.True(tls.IsOpen);
        Assert.NotEqual(broker.AmqpPort, broker.AmqpsPort());
    }

    [Fact]
    public async Task New_connections_get_the_new_certificate_once_the_files_are_replaced_and_open_ones_stay()
    {
        using var ca = new TestCertificateAuthority();
        var first = ca.IssueServer();
        await using var broker = await TlsClients.StartAsync(first);
        await using var open = await broker.ConnectAmqpsAsync(ca);
        Assert.Equal(first.Thumbprint, (await TlsClients.HandshakeAsync(broker.AmqpsPort(), ca)).Thumbprint);

        var renewed = ca.IssueServer("renewed");
        TestCertificateAuthority.WriteFiles(renewed, first.CertFile, first.KeyFile);

        Assert.Equal(renewed.Thumbprint, (await TlsClients.HandshakeAsync(broker.AmqpsPort(), ca)).Thumbprint);
        Assert.Equal(renewed.Thumbprint, (await TlsClients.HandshakeAsync(broker.MqttsPort(), ca)).Thumbprint);
        await using var channel = await open.CreateChannelAsync();
        Assert.True(channel.IsOpen);
        Assert.Contains(broker.Logs, line => line.Contains("TLS certificate reloaded", StringComparison.Ordinal) && line.Contains(renewed.Thumbprint, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_key_that_does_not_match_the_new_certificate_keeps_the_previous_certificate_until_the_files_are_right()
    {
        using var ca = new TestCertificateAuthority();
        var first = ca.IssueServer();
        await using var broker = await TlsClients.StartAsync(first);
        var renewed = ca.IssueServer("renewed");

        // Half replaced: the new certificate with the old key.
        File.WriteAllText(first.CertFile, renewed.CertificatePem);
        Assert.Equal(first.Thumbprint, (await TlsClients.HandshakeAsync(broker.AmqpsPort(), ca)).Thumbprint);
        File.WriteAllText(first.KeyFile, renewed.KeyPem);

        Assert.Equal(renewed.Thumbprint, (await TlsClients.HandshakeAsync(broker.AmqpsPort(), ca)).Thumbprint);
        Assert.Single(broker.Logs, line => line.Contains("do not load", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_certificate_no_TLS_listener_opens()
    {
        await using var broker = await TestBroker.StartAsync();

        Assert.DoesNotContain(broker.Host.Listeners, l => l.Protocol is "amqps" or "mqtts" or "mqtt-wss");
    }

    [Theory]
    [InlineData("--amqps-port")]
    [InlineData("--mqtts-port")]
    [InlineData("--mqtt-wss-port")]
    public void A_TLS_port_without_a_certificate_is_a_configuration_error(string flag)
    {
        var error = Assert.Throws<ConfigurationException>(() => CourierHost.Create([flag, "0", "--data-dir", Path.GetTempPath()]));

        Assert.Contains("--tls-cert", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Half_a_TLS_configuration_or_files_that_do_not_load_are_configuration_errors()
    {
        using var ca = new TestCertificateAuthority();
        var server = ca.IssueServer();
        var other = ca.IssueServer("other");
        string[][] bad =
        [
            ["--tls-cert", server.CertFile],
            ["--tls-key", server.KeyFile],
            ["--tls-cert", server.CertFile, "--tls-key", other.KeyFile],
            ["--tls-cert", Path.Combine(ca.Directory, "missing.pem"), "--tls-key", server.KeyFile],
            ["--tls-cert", server.CertFile, "--tls-key", server.KeyFile, "--tls-verify", "peer"],
            ["--tls-cert", server.CertFile, "--tls-key", server.KeyFile, "--tls-ca", ca.CaFile],
            ["--tls-cert", server.CertFile, "--tls-key", server.KeyFile, "--tls-verify", "maybe", "--tls-ca", ca.CaFile],
            ["--tls-cert", server.CertFile, "--tls-key", server.KeyFile, "--tls-fail-if-no-peer-cert", "true"],
            ["--tls-verify", "peer", "--tls-ca", ca.CaFile],
        ];

        foreach (var args in bad)
        {
            Assert.Throws<ConfigurationException>(() => CourierHost.Create([.. args, "--data-dir", Path.GetTempPath()]));
        }
    }

    private static async Task<BasicGetResult> PollAsync(IChannel channel, string queue)
    {
        for (var i = 0; i < 500; i++)
        {
            if (await channel.BasicGetAsync(queue, autoAck: true) is { } got)
            {
                return got;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"nothing arrived in '{queue}'");
    }
}
