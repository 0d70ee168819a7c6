using Courier.Core;
using Courier.Core.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Courier.Mqtt.Server;

/// <summary>Kestrel's entry point for the MQTT port: one <see cref="MqttConnection"/> per accepted socket.</summary>
public sealed class MqttConnectionHandler : ConnectionHandler
{
    /// <summary>The protocol's name for its listener and its client sessions.</summary>
    public const string ProtocolName = "mqtt";

    private readonly Broker _broker;
    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public MqttConnectionHandler(Broker broker, MqttOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _broker = broker;
        _options = options;
        _logger = loggerFactory.CreateLogger("Courier.Mqtt");
        _time = time;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
                             ?? CancellationToken.None;
        var mqtt = new MqttConnection(
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
        await mqtt.RunAsync(closeRequested).ConfigureAwait(false);
    }
}
