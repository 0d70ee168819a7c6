using System.Net;
using System.Net.Sockets;
using System.Text;
using Courier.PerfTest.Stomp.Wire;

namespace Courier.PerfTest.Tests;

/// <summary>
/// The lean client's connection against a scripted peer on a loopback port: what the peer writes,
/// in pieces of any size, comes back as whole frames.
/// </summary>
public sealed class StompWireConnectionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Frames_written_one_byte_at_a_time_are_read_whole()
    {
        byte[] message = StompWireFrameTests.Bytes("MESSAGE\nack:ID\\c1\ncontent-length:4\n\n", [0, 1, 2, 3], "\0\n");
        using var peer = new ScriptedPeer(Connected("1.2"), message, chunk: 1);

        using var connection = await Task.Run(() => StompWireConnection.Open("127.0.0.1", peer.Port, "guest", "guest", bufferSize: 8))
            .WaitAsync(Timeout);
        var frame = connection.ReadFrame();

        Assert.True(frame.Is("MESSAGE"u8));
        Assert.Equal(new byte[] { 0, 1, 2, 3 }, frame.Body.ToArray());
        Assert.True(frame.TryGetHeader("ack"u8, out var ack));
        Assert.Equal("ID\\c1", Encoding.UTF8.GetString(ack));
        Assert.Contains("accept-version:1.2\n", await peer.ReceivedConnectAsync().WaitAsync(Timeout), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_frame_larger_than_the_buffer_grows_it()
    {
        byte[] body = new byte[100_000];
        Random.Shared.NextBytes(body);
        using var peer = new ScriptedPeer(Connected("1.2"), StompWireFrameTests.Bytes("MESSAGE\ncontent-length:100000\n\n", body, "\0"), chunk: 4096);

        using var connection = await Task.Run(() => StompWireConnection.Open("127.0.0.1", peer.Port, "guest", "guest", bufferSize: 512))
            .WaitAsync(Timeout);

        Assert.Equal(body, connection.ReadFrame().Body.ToArray());
    }

    [Fact]
    public async Task An_ERROR_answering_CONNECT_is_refused_with_its_message()
    {
        using var peer = new ScriptedPeer(StompWireFrameTests.Bytes("ERROR\nmessage:Access refused for user 'x'\n\n\0"), [], chunk: 64);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Task.Run(() => StompWireConnection.Open("127.0.0.1", peer.Port, "x", "y")).WaitAsync(Timeout));

        Assert.Contains("Access refused for user 'x'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_broker_that_chooses_another_version_is_refused()
    {
        using var peer = new ScriptedPeer(Connected("1.1"), [], chunk: 64);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Task.Run(() => StompWireConnection.Open("127.0.0.1", peer.Port, "guest", "guest")).WaitAsync(Timeout));

        Assert.Contains("1.1", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Connected(string version) => StompWireFrameTests.Bytes($"CONNECTED\nversion:{version}\nserver:peer\nheart-beat:0,0\n\n\0");

    /// <summary>Accepts one connection, reads the CONNECT frame, then writes its script in chunks of <c>chunk</c> bytes.</summary>
    private sealed class ScriptedPeer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> _connect = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _script;

        public ScriptedPeer(byte[] reply, byte[] then, int chunk)
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _script = Task.Run(async () =>
            {
                using var cts = new CancellationTokenSource(Timeout);
                using var socket = await _listener.AcceptSocketAsync(cts.Token);
                var connect = new List<byte>();
                var one = new byte[1];
                while (!connect.Contains(0) && await socket.ReceiveAsync(one, cts.Token) == 1)
                {
                    connect.Add(one[0]);
                }

                _connect.TrySetResult(Encoding.UTF8.GetString([.. connect]));
                byte[] script = [.. reply, .. then];
                for (int i = 0; i < script.Length; i += chunk)
                {
                    await socket.SendAsync(script.AsMemory(i, Math.Min(chunk, script.Length - i)), cts.Token);
                }

                // Hold the socket until the client closes it.
                while (await socket.ReceiveAsync(one, cts.Token) > 0)
                {
                }
            });
        }

        public int Port { get; }

        public Task<string> ReceivedConnectAsync() => _connect.Task;

        public void Dispose()
        {
            _listener.Stop();
            _connect.TrySetException(new InvalidOperationException("no CONNECT arrived"));
        }
    }
}
