using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Courier.Server.WebSockets;

/// <summary>
/// Serves a protocol over WebSockets on a Kestrel listener: reads the HTTP upgrade, answers it, and
/// runs the protocol's own <see cref="ConnectionHandler"/> over a <see cref="WebSocketConnection"/>.
/// Protocol-neutral: MQTT uses it now, STOMP can with its own path and subprotocols.
/// </summary>
internal sealed class WebSocketConnectionHandler
{
    private readonly ConnectionHandler _protocol;
    private readonly WebSocketTransportOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public WebSocketConnectionHandler(ConnectionHandler protocol, WebSocketTransportOptions options, ILogger logger, TimeProvider time)
    {
        _protocol = protocol;
        _options = options;
        _logger = logger;
        _time = time;
    }

    public async Task OnConnectedAsync(ConnectionContext socket)
    {
        var subProtocol = await HandshakeAsync(socket).ConfigureAwait(false);
        if (subProtocol is null)
        {
            return;
        }

        var connection = new WebSocketConnection(socket, subProtocol, _options, _logger);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            WebSocketLog.Opened(_logger, connection.ToString(), subProtocol);
        }

        var receiving = connection.ReceiveLoopAsync();
        var sending = connection.SendLoopAsync();
        try
        {
            await _protocol.OnConnectedAsync(connection).ConfigureAwait(false);
        }
        finally
        {
            connection.CompleteProtocolSide();
            await sending.ConfigureAwait(false);
            if (!receiving.IsCompleted)
            {
                // Our Close is out: the client's answer ends the receive loop, or the wait does.
                try
                {
                    await receiving.WaitAsync(_options.CloseTimeout, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    connection.StopReceiving();
                }
            }

            await receiving.ConfigureAwait(false);
        }
    }

    /// <summary>Reads and answers the upgrade request; the agreed subprotocol, or null if the connection is to close.</summary>
    private async Task<string?> HandshakeAsync(ConnectionContext socket)
    {
        var input = socket.Transport.Input;
        using var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _time);
        HandshakeDecision decision;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (WebSocketHandshake.TryFindHeadEnd(buffer, out var headEnd))
                {
                    var head = buffer.Slice(0, headEnd);
                    decision = head.Length > _options.MaxRequestHeadBytes
                        ? new HandshakeDecision(431, $"the request head is larger than {_options.MaxRequestHeadBytes} bytes")
                        : WebSocketHandshake.Decide(head.Slice(0, head.Length - 4), _options);

                    // Bytes after the head are already the client's first frames.
                    input.AdvanceTo(headEnd);
                    break;
                }

                if (buffer.Length > _options.MaxRequestHeadBytes)
                {
                    decision = new HandshakeDecision(431, $"the request head is larger than {_options.MaxRequestHeadBytes} bytes");
                    input.AdvanceTo(buffer.End);
                    break;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return null;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            decision = new HandshakeDecision(408, $"no complete upgrade request within {_options.HandshakeTimeout.TotalSeconds} s");
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            return null;
        }

        if (!decision.Accepted)
        {
            WebSocketLog.UpgradeRefused(_logger, socket.RemoteEndPoint?.ToString(), decision.Status, decision.Reason);
        }

        try
        {
            WebSocketHandshake.WriteResponse(socket.Transport.Output, decision);
            await socket.Transport.Output.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            return null;
        }

        return decision.Accepted ? decision.SubProtocol : null;
    }
}
