using System.Security.Authentication;
using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Tls;

/// <summary>Client certificates: verified against the configured authorities, SASL EXTERNAL, MQTT certificate login.</summary>
public sealed class ClientCertificateTests
{
    [Fact]
    public async Task EXTERNAL_logs_in_as_the_client_certificate_s_CN_without_a_password()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca);
        AddUser(broker, "alice");

        await using var connection = await broker.ConnectAmqpsAsync(ca, ca.IssueClient("alice").Certificate, f =>
        {
            f.AuthMechanisms = [new ExternalMechanismFactory()];
            (f.UserName, f.Password) = ("ignored", "");
        });
        await using var channel = await connection.CreateChannelAsync();

        Assert.True(channel.IsOpen);
        await Wait.UntilAsync(() => broker.Logs.Any(line => line.Contains("AMQP connection", StringComparison.Ordinal) && line.Contains("opened: user 'alice'", StringComparison.Ordinal)), "the connection is logged as alice's");
    }

    [Fact]
    public async Task EXTERNAL_is_refused_when_no_user_has_the_certificate_s_CN()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca);

        var error = await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => broker.ConnectAmqpsAsync(ca, ca.IssueClient("mallory").Certificate, f => f.AuthMechanisms = [new ExternalMechanismFactory()]));

        Assert.IsType<AuthenticationFailureException>(error.InnerException);
    }

    [Fact]
    public async Task EXTERNAL_is_not_offered_to_a_TLS_client_without_a_certificate_nor_on_the_plain_port()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca);
        AddUser(broker, "alice");

        await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => broker.ConnectAmqpsAsync(ca, configure: f => f.AuthMechanisms = [new ExternalMechanismFactory()]));
        await Assert.ThrowsAnyAsync<BrokerUnreachableException>(() => broker.ConnectAsync(f => f.AuthMechanisms = [new ExternalMechanismFactory()]));
        await using var plain = await broker.ConnectAmqpsAsync(ca);
        Assert.True(plain.IsOpen);
    }

    [Fact]
    public async Task A_client_certificate_from_another_authority_fails_the_handshake()
    {
        using var ca = new TestCertificateAuthority();
        using var stranger = new TestCertificateAuthority("Stranger CA");
        await using var broker = await StartVerifyingAsync(ca);

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            // TLS 1.3 reports the server's refusal of the client certificate on the first read.
            await using var connection = await broker.ConnectAmqpsAsync(ca, stranger.IssueClient("alice").Certificate);
        });
        await using var trusted = await broker.ConnectAmqpsAsync(ca, ca.IssueClient("alice").Certificate);
        Assert.True(trusted.IsOpen);
    }

    [Fact]
    public async Task With_fail_if_no_peer_cert_a_client_without_a_certificate_fails_the_handshake()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca, "--tls-fail-if-no-peer-cert", "true");

        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var connection = await broker.ConnectAmqpsAsync(ca);
        });
        await using var withCertificate = await broker.ConnectAmqpsAsync(ca, ca.IssueClient("anyone").Certificate);
        Assert.True(withCertificate.IsOpen);
    }

    [Fact]
    public async Task With_certificate_login_an_MQTT_CONNECT_without_a_username_is_the_certificate_s_user()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca, "--mqtt-ssl-cert-login", "true", "--mqtt-allow-anonymous", "false");
        AddUser(broker, "alice");

        await using var client = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311, configure: b => MqttsWithCertificate(b, broker, ca, ca.IssueClient("alice")));

        Assert.True(client.Client.IsConnected);
        await Wait.UntilAsync(() => broker.Logs.Any(line => line.Contains("MQTT connection", StringComparison.Ordinal) && line.Contains("user 'alice'", StringComparison.Ordinal)), "the connection is logged as alice's");
    }

    [Fact]
    public async Task Without_certificate_login_a_client_certificate_does_not_log_an_MQTT_client_in()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await StartVerifyingAsync(ca, "--mqtt-allow-anonymous", "false");
        AddUser(broker, "alice");

        var builder = MqttClients.Options(broker, MqttProtocolVersion.V311);
        MqttsWithCertificate(builder, broker, ca, ca.IssueClient("alice"));
        using var client = new MqttClientFactory().CreateMqttClient();

        var result = await client.ConnectAsync(builder.Build());

        Assert.Equal(MqttClientConnectResultCode.NotAuthorized, result.ResultCode);
        Assert.Contains(broker.Logs, line => line.Contains("anonymous connections are not allowed", StringComparison.Ordinal));
    }

    private static Task<TestBroker> StartVerifyingAsync(TestCertificateAuthority ca, params string[] args) =>
        TlsClients.StartAsync(ca.IssueServer(), ["--tls-verify", "peer", "--tls-ca", ca.CaFile, .. args]);

    private static void AddUser(TestBroker broker, string name)
    {
        broker.Host.Broker.Users.AddOrReplace(name, Guid.NewGuid().ToString("N"));
        broker.Host.Broker.Users.SetPermission(name, "/", Permission.All);
    }

    private static void MqttsWithCertificate(MqttClientOptionsBuilder builder, TestBroker broker, TestCertificateAuthority ca, IssuedCertificate client) => builder
        .WithTcpServer("127.0.0.1", broker.MqttsPort())
        .WithTlsOptions(t => t
            .UseTls()
            .WithTargetHost("localhost")
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithCertificateValidationHandler(e => ca.Trusts(e.Certificate))
            .WithClientCertificates([client.Certificate]));
}
