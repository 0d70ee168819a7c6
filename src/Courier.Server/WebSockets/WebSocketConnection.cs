using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Courier.Server.WebSockets;

/// <summary>
/// One accepted WebSocket as the protocol inside sees it: a <see cref="ConnectionContext"/> whose
/// <see cref="Transport"/> carries the bytes of the binary frames, so a protocol's connection
/// handler runs over it unchanged. Frames are decoded in <c>WebSocketConnection.Receive.cs</c> and
/// written in <c>WebSocketConnection.Send.cs</c>.
/// </summary>
/// <remarks>
/// <para>Two loops per connection and two pipes between them and the protocol. The receive loop owns
/// the socket's input: it parses frame headers, unmasks payloads into <see cref="Input"/> as they
/// arrive (a frame is never buffered whole, so its size allocates nothing) and answers pings and
/// Close through the send loop. The send loop owns the socket's output: whatever the protocol
/// flushed to <see cref="Output"/> goes out as one binary frame, and a pong or a Close goes out
/// between data frames. An idle connection holds no buffer: the socket's reads wait for data before
/// renting one, and both pipes give their segments back once read.</para>
/// <para>Closing: when the protocol completes its output, the send loop sends Close (1000, or the
/// status the client's Close carried, or the error the receive loop found) and the handler waits a
/// bounded time for the client's Close before the socket closes. A protocol error in the frames
/// (unmasked, reserved bits, a bad opcode, a text frame where the protocol takes none, a text
/// message that is not well-formed UTF-8) ends the protocol's input, so the protocol sees its client
/// go away, and the Close carries 1002, 1003, 1007 or 1009. Zero-length data frames and fragments
/// are legal and carry nothing.</para>
/// </remarks>
internal sealed partial class WebSocketConnection : ConnectionContext, IDuplexPipe
{
    private readonly ConnectionContext _socket;
    private readonly WebSocketTransportOptions _options;
    private readonly ILogger _logger;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly Lock _controlGate = new();
    private byte[]? _pongPayload;
    private int _closeStatus = (int)WebSocketCloseStatus.NormalClosure;
    private volatile bool _closeReceived;

    public WebSocketConnection(ConnectionContext socket, string subProtocol, WebSocketTransportOptions options, ILogger logger)
    {
        _socket = socket;
        _options = options;
        _logger = logger;
        SubProtocol = subProtocol;
        var pool = socket.Features.Get<IMemoryPoolFeature>()?.MemoryPool ?? MemoryPool<byte>.Shared;
        // A reader continues on the thread that flushed, as Kestrel's sockets do here
        // (UnsafePreferInlineScheduling): no thread hop per frame. A writer paused by a full pipe
        // resumes on the thread pool, so neither loop runs the other's code inside AdvanceTo.
        var pipeOptions = new PipeOptions(
            pool,
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.ThreadPool,
            pauseWriterThreshold: options.BufferedBytesLimit,
            resumeWriterThreshold: options.BufferedBytesLimit / 2,
            useSynchronizationContext: false);
        _input = new Pipe(pipeOptions);
        _output = new Pipe(pipeOptions);
    }

    /// <summary>The subprotocol agreed in the handshake, e.g. <c>mqtt</c>.</summary>
    public string SubProtocol { get; }

    /// <summary>Whether the client's Close frame has arrived.</summary>
    public bool CloseReceived => _closeReceived;

    public override string ConnectionId
    {
        get => _socket.ConnectionId;
        set => _socket.ConnectionId = value;
    }

    // The socket's features: its lifetime notifications (graceful shutdown) are the protocol's too.
    public override IFeatureCollection Features => _socket.Features;

    public override IDictionary<object, object?> Items
    {
        get => _socket.Items;
        set => _socket.Items = value;
    }

    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("a WebSocket connection's transport is its frames");
    }

    /// <summary>The payload bytes of the client's binary frames, in order.</summary>
    public PipeReader Input => _input.Reader;

    /// <summary>Bytes to send; each flush becomes one binary frame.</summary>
    public PipeWriter Output => _output.Writer;

    public override EndPoint? RemoteEndPoint
    {
        get => _socket.RemoteEndPoint;
        set => _socket.RemoteEndPoint = value;
    }

    public override EndPoint? LocalEndPoint
    {
        get => _socket.LocalEndPoint;
        set => _socket.LocalEndPoint = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _socket.ConnectionClosed;
        set => _socket.ConnectionClosed = value;
    }

    public override void Abort(ConnectionAbortedException abortReason) => _socket.Abort(abortReason);

    public override void Abort() => _socket.Abort();

    /// <summary>Ends the protocol's side of both pipes, in case its handler returned without doing so.</summary>
    public void CompleteProtocolSide()
    {
        _input.Reader.Complete();
        _output.Writer.Complete();
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public override string ToString() => $"{RemoteEndPoint} -> {LocalEndPoint} (WebSocket, {SubProtocol})";
}
