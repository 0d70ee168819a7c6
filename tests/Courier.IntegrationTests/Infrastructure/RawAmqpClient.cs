using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Courier.Amqp091.Framing;
using Courier.Core.Messages;

namespace Courier.IntegrationTests.Infrastructure;

/// <summary>Reads a method's arguments (the generated <c>Read</c> of each method struct fits).</summary>
public delegate T MethodReader<out T>(ref AmqpReader reader);

/// <summary>One frame as received, copied out of the socket buffer.</summary>
public sealed record RawFrame(AmqpFrameType Type, ushort Channel, byte[] Payload)
{
    /// <summary>Class and method ids of a method frame.</summary>
    public uint MethodKey => Type == AmqpFrameType.Method ? AmqpFrameReader.ReadMethodKey(Payload) : 0;

    public bool Is(uint methodKey) => Type == AmqpFrameType.Method && MethodKey == methodKey;

    public T Method<T>(MethodReader<T> read)
    {
        var reader = new AmqpReader(Payload.AsSpan(4));
        return read(ref reader);
    }

    public override string ToString() =>
        Type == AmqpFrameType.Method
            ? $"method {MethodKey >> 16}/{MethodKey & 0xFFFF} on channel {Channel}"
            : $"{Type} frame of {Payload.Length} bytes on channel {Channel}";
}

/// <summary>A delivery as received: basic.deliver, then its content header and whole body.</summary>
public sealed record RawDelivery(ushort Channel, BasicDeliver Method, MessageProperties Properties, byte[] Body)
{
    public string Text => Encoding.UTF8.GetString(Body);
}

/// <summary>
/// A deliberately dumb AMQP 0-9-1 client over a plain socket, for inputs RabbitMQ.Client never
/// produces: wrong protocol headers, other SASL mechanisms, frames on unopened channels, garbage.
/// Every read has a deadline, so a server that stays silent fails the test instead of hanging it.
/// </summary>
public sealed class RawAmqpClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = Wait.DefaultTimeout;

    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _buffered;

    private RawAmqpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>frame_max agreed in <see cref="OpenAsync"/>; frames sent with content are split to fit.</summary>
    public uint FrameMax { get; private set; } = 131072;

    public static async Task<RawAmqpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RawAmqpClient(tcp);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes) => await _stream.WriteAsync(bytes);

    public Task SendProtocolHeaderAsync() => SendAsync(AmqpFrameReader.ProtocolHeader.ToArray());

    public Task SendMethodAsync<TMethod>(ushort channel, TMethod method)
        where TMethod : IAmqpMethod
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, channel, method);
        return SendAsync(output.WrittenMemory);
    }

    /// <summary>Sends basic.publish, its content header and as many body frames as <see cref="FrameMax"/> needs.</summary>
    public Task PublishAsync(ushort channel, string exchange, string routingKey, ReadOnlySpan<byte> body, MessageProperties? properties = null)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, channel, new BasicPublish { Exchange = exchange, RoutingKey = routingKey });
        AmqpFrameWriter.WriteContentHeader(output, channel, AmqpClassId.Basic, (ulong)body.Length, properties ?? new MessageProperties());
        AmqpFrameWriter.WriteBody(output, channel, body, FrameMax);
        return SendAsync(output.WrittenMemory);
    }

    /// <summary>Sends the given basic.publish (any flags), its content header and its body frames.</summary>
    public Task PublishAsync(ushort channel, BasicPublish method, ReadOnlySpan<byte> body)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteMethod(output, channel, method);
        AmqpFrameWriter.WriteContentHeader(output, channel, AmqpClassId.Basic, (ulong)body.Length, new MessageProperties());
        AmqpFrameWriter.WriteBody(output, channel, body, FrameMax);
        return SendAsync(output.WrittenMemory);
    }

    /// <summary>Sends only a basic content header announcing <paramref name="bodySize"/> bytes, for publishes built frame by frame.</summary>
    public Task SendContentHeaderAsync(ushort channel, ulong bodySize)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteContentHeader(output, channel, AmqpClassId.Basic, bodySize, new MessageProperties());
        return SendAsync(output.WrittenMemory);
    }

    /// <summary>Sends only body frames, split to fit <see cref="FrameMax"/>.</summary>
    public Task SendContentBodyAsync(ushort channel, ReadOnlySpan<byte> body)
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteBody(output, channel, body, FrameMax);
        return SendAsync(output.WrittenMemory);
    }

    public Task SendHeartbeatAsync()
    {
        var output = new ArrayBufferWriter<byte>();
        AmqpFrameWriter.WriteHeartbeat(output);
        return SendAsync(output.WrittenMemory);
    }

    /// <summary>Reads the next frame; fails the test if none arrives in time or the server closes the socket first.</summary>
    public async Task<RawFrame> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            if (TryTakeFrame(out var frame))
            {
                return frame;
            }

            int read;
            try
            {
                read = await ReadSomeAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"no frame from the server within {timeout ?? DefaultTimeout}");
                throw;
            }

            if (read == 0)
            {
                Assert.Fail("the server closed the connection while a frame was expected");
            }
        }
    }

    /// <summary>Reads frames until a method frame with <paramref name="methodKey"/>, skipping heartbeats; anything else fails the test.</summary>
    public async Task<T> ExpectMethodAsync<T>(uint methodKey, MethodReader<T> read, TimeSpan? timeout = null)
    {
        var frame = await ExpectFrameAsync(methodKey, timeout);
        return frame.Method(read);
    }

    public async Task<RawFrame> ExpectFrameAsync(uint methodKey, TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(timeout);
            if (frame.Type == AmqpFrameType.Heartbeat)
            {
                continue;
            }

            if (frame.Is(methodKey))
            {
                return frame;
            }

            if (frame.Is(ConnectionClose.Key))
            {
                var close = frame.Method(ConnectionClose.Read);
                Assert.Fail($"expected method {methodKey >> 16}/{methodKey & 0xFFFF}, but the server closed the connection: {close.ReplyCode} {close.ReplyText}");
            }

            Assert.Fail($"expected method {methodKey >> 16}/{methodKey & 0xFFFF}, got {frame}");
        }
    }

    /// <summary>Reads the next basic.deliver and its content; any other method first fails the test.</summary>
    public async Task<RawDelivery> ExpectDeliveryAsync(TimeSpan? timeout = null) =>
        await ReadDeliveryAsync(await ExpectFrameAsync(BasicDeliver.Key, timeout), timeout);

    /// <summary>Reads the content header and body frames that must follow <paramref name="deliver"/> on its channel.</summary>
    public async Task<RawDelivery> ReadDeliveryAsync(RawFrame deliver, TimeSpan? timeout = null)
    {
        Assert.True(deliver.Is(BasicDeliver.Key), $"expected basic.deliver, got {deliver}");
        var header = await ReadContentFrameAsync(AmqpFrameType.Header, deliver.Channel, timeout);
        var content = ContentHeaderCodec.Read(header.Payload);
        var body = new byte[checked((int)content.BodySize)];
        var filled = 0;
        while (filled < body.Length)
        {
            var frame = await ReadContentFrameAsync(AmqpFrameType.Body, deliver.Channel, timeout);
            Assert.True(frame.Payload.Length <= body.Length - filled, "body frames carry more bytes than the content header announced");
            frame.Payload.CopyTo(body, filled);
            filled += frame.Payload.Length;
        }

        return new RawDelivery(deliver.Channel, deliver.Method(BasicDeliver.Read), content.Properties, body);
    }

    /// <summary>Reads until the server closes the socket and returns every byte it sent; fails the test at the deadline.</summary>
    public Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null) => ReadUntilServerCloseAsync(timeout, resetIsClose: true);

    /// <summary>
    /// Reads until the server closes the socket with a FIN and returns what it sent; a reset (the
    /// server closed with our bytes unread) or no close by the deadline fails the test.
    /// </summary>
    public Task<byte[]> ExpectOrderlyCloseAsync(TimeSpan? timeout = null) => ReadUntilServerCloseAsync(timeout, resetIsClose: false);

    /// <summary>Closes our sending side (a FIN) as a client does once it has its close-ok; reading goes on.</summary>
    public void CloseOutput() => _tcp.Client.Shutdown(SocketShutdown.Send);

    /// <summary>Waits until the server closes the socket, ignoring whatever it sends meanwhile.</summary>
    public Task WaitForServerCloseAsync(TimeSpan? timeout = null) => ReadToEndAsync(timeout);

    /// <summary>Sends the protocol header and returns connection.start.</summary>
    public async Task<ConnectionStart> StartAsync()
    {
        await SendProtocolHeaderAsync();
        return await ExpectMethodAsync(ConnectionStart.Key, ConnectionStart.Read);
    }

    /// <summary>Sends start-ok; <paramref name="authenticationFailureClose"/> is the capability asking for connection.close on a refused login.</summary>
    public Task SendStartOkAsync(string mechanism, byte[] response, bool authenticationFailureClose = true) =>
        SendMethodAsync(0, new ConnectionStartOk
        {
            ClientProperties = new Dictionary<string, object?>
            {
                ["product"] = "Courier raw test client",
                ["capabilities"] = new Dictionary<string, object?> { ["authentication_failure_close"] = authenticationFailureClose },
            },
            Mechanism = mechanism,
            Response = response,
        });

    public static byte[] PlainResponse(string user, string password) => Encoding.UTF8.GetBytes($"\0{user}\0{password}");

    /// <summary>AMQPLAIN's response: a field table with LOGIN and PASSWORD, without the table's length prefix.</summary>
    public static byte[] AmqplainResponse(string user, string password)
    {
        var table = new Dictionary<string, object?> { ["LOGIN"] = user, ["PASSWORD"] = password };
        var bytes = new byte[AmqpWriter.MeasureTable(table)];
        var writer = new AmqpWriter(bytes);
        writer.WriteTable(table);
        return bytes[4..];
    }

    /// <summary>The whole handshake: header, PLAIN start-ok, tune-ok with the given limits, open. Returns the server's tune.</summary>
    public async Task<ConnectionTune> OpenAsync(
        string virtualHost = "/",
        ushort channelMax = 0,
        uint frameMax = 131072,
        ushort heartbeat = 0,
        string user = "guest",
        string password = "guest")
    {
        await StartAsync();
        await SendStartOkAsync("PLAIN", PlainResponse(user, password));
        var tune = await ExpectMethodAsync(ConnectionTune.Key, ConnectionTune.Read);
        await SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = channelMax, FrameMax = frameMax, Heartbeat = heartbeat });
        FrameMax = frameMax;
        await SendMethodAsync(0, new ConnectionOpen { VirtualHost = virtualHost });
        await ExpectFrameAsync(ConnectionOpenOk.Key);
        return tune;
    }

    public async Task OpenChannelAsync(ushort channel)
    {
        await SendMethodAsync(channel, new ChannelOpen());
        await ExpectFrameAsync(ChannelOpenOk.Key);
    }

    /// <summary>Reads frames until connection.close, skipping anything else (deliveries, heartbeats) sent before it.</summary>
    public async Task<ConnectionClose> ExpectConnectionCloseAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(timeout);
            if (frame.Is(ConnectionClose.Key))
            {
                Assert.Equal(0, frame.Channel);
                return frame.Method(ConnectionClose.Read);
            }
        }
    }

    /// <summary>A frame built by hand, for payloads and sizes the codec would never write.</summary>
    public static byte[] BuildFrame(AmqpFrameType type, ushort channel, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[AmqpFrameReader.Overhead + payload.Length];
        frame[0] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), channel);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(3), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(AmqpFrameReader.HeaderSize));
        frame[^1] = AmqpConstants.FrameEnd;
        return frame;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<RawFrame> ReadContentFrameAsync(AmqpFrameType type, ushort channel, TimeSpan? timeout)
    {
        while (true)
        {
            var frame = await ReadFrameAsync(timeout);
            if (frame.Type == AmqpFrameType.Heartbeat)
            {
                continue;
            }

            Assert.True(frame.Type == type && frame.Channel == channel, $"expected a {type} frame on channel {channel}, got {frame}");
            return frame;
        }
    }

    private async Task<byte[]> ReadUntilServerCloseAsync(TimeSpan? timeout, bool resetIsClose)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            while (await ReadSomeAsync(deadline.Token) > 0)
            {
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            Assert.Fail($"the server did not close the connection within {timeout ?? DefaultTimeout}");
        }
        catch (Exception e) when (resetIsClose && e is IOException or SocketException)
        {
            // A reset is a close too.
        }

        var all = _buffer.AsSpan(0, _buffered).ToArray();
        _buffered = 0;
        return all;
    }

    private bool TryTakeFrame(out RawFrame frame)
    {
        frame = null!;
        var sequence = new ReadOnlySequence<byte>(_buffer, 0, _buffered);
        if (!AmqpFrameReader.TryReadFrame(ref sequence, frameMax: 0, out var parsed))
        {
            return false;
        }

        frame = new RawFrame(parsed.Type, parsed.Channel, parsed.Payload.ToArray());
        var consumed = _buffered - (int)sequence.Length;
        _buffer.AsSpan(consumed, _buffered - consumed).CopyTo(_buffer);
        _buffered -= consumed;
        return true;
    }

    private async Task<int> ReadSomeAsync(CancellationToken cancellationToken)
    {
        if (_buffered == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_buffered), cancellationToken);
        _buffered += read;
        return read;
    }
}
