namespace Courier.Server.WebSockets;

/// <summary>What a WebSocket listener accepts: its path, its protocol's subprotocols and its limits (docs/mqtt.md, "MQTT over WebSockets").</summary>
public sealed record WebSocketTransportOptions
{
    /// <summary>The request path the upgrade must name, e.g. <c>/ws</c>; any other path is answered 404.</summary>
    public required string Path { get; init; }

    /// <summary>The subprotocols the protocol speaks, in the server's order of preference; a request offering none of them is answered 400.</summary>
    public required IReadOnlyList<string> SubProtocols { get; init; }

    /// <summary>Text messages are taken as binary ones (a text protocol such as STOMP, whose browser clients send text); otherwise they are refused with close 1003.</summary>
    public bool AcceptTextFrames { get; init; }

    /// <summary>An upgrade offering no subprotocol at all is accepted (STOMP clients such as stomp.py offer none; RabbitMQ's Web STOMP takes them); otherwise it is answered 400.</summary>
    public bool SubProtocolOptional { get; init; }

    /// <summary>The largest upgrade request head (request line and headers) read before answering 431; nothing bigger is buffered.</summary>
    public int MaxRequestHeadBytes { get; init; } = 16 * 1024;

    /// <summary>How long a client has, from the TCP connect, to send its whole upgrade request (408 after that).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest frame payload accepted, checked on the frame's header before any of it is read (close 1009 above it).</summary>
    public long MaxFramePayloadBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>How long the server waits for the client's Close frame after sending its own, before it closes the socket anyway.</summary>
    public TimeSpan CloseTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Bytes decoded from frames that may wait for the protocol to read them before the socket is no longer read (and the same for bytes waiting to be framed).</summary>
    public long BufferedBytesLimit { get; init; } = 1024 * 1024;
}
