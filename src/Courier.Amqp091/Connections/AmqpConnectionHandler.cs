using Courier.Core;
using Courier.Core.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Courier.Amqp091.Connections;

/// <summary>Kestrel's entry point for the AMQP port: one <see cref="AmqpConnection"/> per accepted socket.</summary>
public sealed class AmqpConnectionHandler : ConnectionHandler
{
    /// <summary>The protocol's name for its listener and its client sessions.</summary>
    public const string ProtocolName = "amqp";

    private readonly Broker _broker;
    private readonly AmqpOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public AmqpConnectionHandler(Broker broker, AmqpOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _broker = broker;
        _options = options;
        _logger = loggerFactory.CreateLogger("Courier.Amqp091");
        _time = time;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Kestrel signals this token on graceful shutdown; connections then close with 320.
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
                             ?? CancellationToken.None;
        var amqp = new AmqpConnection(
            connection.Transport,
            connection.RemoteEndPoint,
            connection.LocalEndPoint,
            _broker,
            _options,
            _logger,
            _time,
            connection.Abort)
        {
            // Set only on a TLS listener that asks for client certificates, and then verified.
            CertificateUser = ClientCertificateName.CommonName(connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate),
        };
        await amqp.RunAsync(closeRequested).ConfigureAwait(false);
    }
}
