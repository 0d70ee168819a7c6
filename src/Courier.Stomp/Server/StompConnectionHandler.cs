using Courier.Core;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Courier.Stomp.Server;

/// <summary>Kestrel's entry point for the STOMP port (and STOMP over WebSockets): one <see cref="StompConnection"/> per accepted connection.</summary>
public sealed class StompConnectionHandler : ConnectionHandler
{
    /// <summary>The protocol's name for its listener and its client sessions.</summary>
    public const string ProtocolName = "stomp";

    private readonly Broker _broker;
    private readonly StompOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public StompConnectionHandler(Broker broker, StompOptions options, ILoggerFactory loggerFactory, TimeProvider time)
    {
        _broker = broker;
        _options = options;
        _logger = loggerFactory.CreateLogger("Courier.Stomp");
        _time = time;
    }

    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested
                             ?? CancellationToken.None;
        var stomp = new StompConnection(
            connection.Transport,
            connection.RemoteEndPoint,
            connection.LocalEndPoint,
            _broker,
            _options,
            _logger,
            _time,
            connection.Abort);
        await stomp.RunAsync(closeRequested).ConfigureAwait(false);
    }
}
