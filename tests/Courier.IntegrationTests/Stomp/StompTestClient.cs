using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;

namespace Courier.IntegrationTests.Stomp;

/// <summary>
/// A small STOMP client for tests, over a real socket, built on Courier's frame codec: it writes
/// frames (or raw bytes), and a read loop collects every frame the server sends, counts heart-beats
/// and notices when the server closes the connection.
/// </summary>
public sealed class StompTestClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly Channel<StompFrame> _frames = Channel.CreateUnbounded<StompFrame>();
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _reading;
    private int _heartBeats;

    private StompTestClient(TcpClient tcp, StompVersion version)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        Version = version;
        _reading = Task.Run(ReadLoopAsync);
    }

    public StompVersion Version { get; set; }

    /// <summary>Completes when the server has closed the connection.</summary>
    public Task Closed => _closed.Task;

    public int HeartBeatsReceived => Volatile.Read(ref _heartBeats);

    public StompFrame? Connected { get; private set; }

    /// <summary>Opens a socket without sending anything.</summary>
    public static async Task<StompTestClient> OpenAsync(int port, StompVersion version = StompVersion.V12)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        return new StompTestClient(tcp, version);
    }

    /// <summary>Opens a socket and logs in as guest (or with <paramref name="headers"/>), failing the test unless CONNECTED comes back.</summary>
    public static async Task<StompTestClient> ConnectAsync(int port, StompVersion version = StompVersion.V12, params StompHeader[] headers)
    {
        var client = await OpenAsync(port, version);
        var connect = new List<StompHeader> { new("accept-version", version.ToHeaderValue()) };
        if (!headers.Any(h => h.Name == "host"))
        {
            connect.Add(new("host", "/"));
        }

        if (!headers.Any(h => h.Name == "login"))
        {
            connect.Add(new("login", "guest"));
            connect.Add(new("passcode", "guest"));
        }

        connect.AddRange(headers);
        await client.SendAsync(new StompFrame(StompCommand.Connect, connect));
        var connected = await client.ReceiveAsync();
        Assert.True(connected.Command == StompCommand.Connected, $"expected CONNECTED, got {connected.Command}: {connected["message"]}");
        client.Connected = connected;
        return client;
    }

    /// <summary>Sends CONNECT as guest to <paramref name="host"/> and expects ERROR then the socket closed; returns the ERROR's message.</summary>
    public static async Task<string> ConnectExpectingErrorAsync(int port, string host = "/")
    {
        await using var client = await OpenAsync(port);
        await client.SendAsync(new StompFrame(StompCommand.Connect, [new("accept-version", "1.2"), new("host", host), new("login", "guest"), new("passcode", "guest")]));
        var error = await client.ReceiveAsync();
        Assert.Equal(StompCommand.Error, error.Command);
        await client.WaitClosedAsync();
        return error["message"]!;
    }

    public async Task SendAsync(StompFrame frame)
    {
        var buffer = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(buffer, frame, Version);
        await _stream.WriteAsync(buffer.WrittenMemory);
    }

    public Task SendAsync(StompCommand command, params StompHeader[] headers) => SendAsync(new StompFrame(command, headers));

    public Task SendTextAsync(string destination, string body, params StompHeader[] headers) =>
        SendAsync(new StompFrame(StompCommand.Send, [new("destination", destination), .. headers], Encoding.UTF8.GetBytes(body)));

    public async Task SendRawAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends bytes as they are, for what a frame writer will not produce (bytes that are not UTF-8).</summary>
    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>The next frame the server sent; fails the test if none comes in time.</summary>
    public async Task<StompFrame> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
        try
        {
            return await _frames.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("timed out waiting for a frame from the server");
            throw;
        }
        catch (ChannelClosedException)
        {
            Assert.Fail("the server closed the connection instead of sending a frame");
            throw;
        }
    }

    /// <summary>True when no frame is waiting now (does not wait).</summary>
    public bool NothingReceived => !_frames.Reader.TryPeek(out _);

    /// <summary>Sends a frame with a receipt and waits for that RECEIPT.</summary>
    public async Task<StompFrame> SendWithReceiptAsync(StompFrame frame, string receipt)
    {
        await SendAsync(new StompFrame(frame.Command, [.. frame.Headers, new("receipt", receipt)], frame.Body));
        var answer = await ReceiveAsync();
        Assert.True(answer.Command == StompCommand.Receipt, $"expected RECEIPT {receipt}, got {answer.Command}: {answer["message"]}");
        Assert.Equal(receipt, answer["receipt-id"]);
        return answer;
    }

    public Task SubscribeAsync(string id, string destination, string ack = "auto", params StompHeader[] headers) =>
        SendWithReceiptAsync(new StompFrame(StompCommand.Subscribe, [new("id", id), new("destination", destination), new("ack", ack), .. headers]), "sub-" + id);

    /// <summary>Waits until the server has closed the connection.</summary>
    public Task WaitClosedAsync() => Wait.ForAsync(Closed, "the server to close the connection");

    private async Task ReadLoopAsync()
    {
        var input = PipeReader.Create(_stream);
        var reader = new StompFrameReader();
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                var buffer = result.Buffer;
                while (true)
                {
                    var read = reader.TryRead(ref buffer, Version, out var frame);
                    if (read == StompReadResult.NeedMore)
                    {
                        break;
                    }

                    if (read == StompReadResult.HeartBeat)
                    {
                        Interlocked.Increment(ref _heartBeats);
                    }
                    else
                    {
                        _frames.Writer.TryWrite(frame!);
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            // Reset by the server, or disposed by the test.
        }
        finally
        {
            _frames.Writer.TryComplete();
            _closed.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await _reading.ConfigureAwait(false);
    }
}
