using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.WebSockets;

/// <summary>
/// A WebSocket client over a bare socket, for what a real client will not do: unmasked frames,
/// odd upgrade requests, MQTT packets cut across frames.
/// </summary>
internal sealed class RawWebSocket : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream _stream = null!;
    private byte[] _pending = [];

    public static async Task<RawWebSocket> ConnectAsync(int port)
    {
        var client = new RawWebSocket();
        await client._tcp.ConnectAsync(IPAddress.Loopback, port);
        client._stream = client._tcp.GetStream();
        return client;
    }

    /// <summary>Connects and upgrades on <paramref name="path"/> with subprotocol <c>mqtt</c>; fails unless the answer is 101.</summary>
    public static Task<RawWebSocket> UpgradeAsync(int port, string path = "/ws") => UpgradeAsync(port, path, "mqtt");

    /// <summary>Connects and upgrades on <paramref name="path"/> offering <paramref name="protocol"/>; fails unless the answer is 101 choosing it.</summary>
    public static async Task<RawWebSocket> UpgradeAsync(int port, string path, string protocol)
    {
        var client = await ConnectAsync(port);
        var response = await client.RequestAsync(UpgradeRequest(path, protocol));
        Assert.StartsWith("HTTP/1.1 101 ", response, StringComparison.Ordinal);
        Assert.Contains($"Sec-WebSocket-Protocol: {protocol}\r\n", response, StringComparison.Ordinal);
        return client;
    }

    public static string UpgradeRequest(string path = "/ws", string protocols = "mqtt", string key = "dGhlIHNhbXBsZSBub25jZQ==") =>
        $"GET {path} HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        + (protocols.Length > 0 ? $"Sec-WebSocket-Protocol: {protocols}\r\n" : string.Empty) + "\r\n";

    /// <summary>Sends an HTTP request and reads the response head (and whatever came with it, kept for the next read).</summary>
    public async Task<string> RequestAsync(string request)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        while (true)
        {
            var end = _pending.AsSpan().IndexOf("\r\n\r\n"u8);
            if (end >= 0)
            {
                var head = Encoding.ASCII.GetString(_pending, 0, end + 4);
                _pending = _pending[(end + 4)..];
                return head;
            }

            if (!await FillAsync(Wait.DefaultTimeout))
            {
                return Encoding.ASCII.GetString(_pending);
            }
        }
    }

    /// <summary>Sends one frame; clients mask (RFC 6455), unless <paramref name="masked"/> says otherwise.</summary>
    public async Task SendFrameAsync(byte opcode, ReadOnlyMemory<byte> payload, bool fin = true, bool masked = true)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | opcode) };
        var maskBit = masked ? 0x80 : 0;
        if (payload.Length <= 125)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }

        byte[] mask = masked ? [0x12, 0x34, 0x56, 0x78] : [0, 0, 0, 0];
        if (masked)
        {
            frame.AddRange(mask);
        }

        var span = payload.Span;
        for (var i = 0; i < span.Length; i++)
        {
            frame.Add((byte)(span[i] ^ mask[i & 3]));
        }

        await _stream.WriteAsync(frame.ToArray());
    }

    /// <summary>Sends only a masked frame's header announcing <paramref name="length"/> payload bytes.</summary>
    public async Task SendFrameHeaderAsync(byte opcode, long length)
    {
        var header = new byte[14];
        header[0] = (byte)(0x80 | opcode);
        header[1] = 0x80 | 127;
        BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), (ulong)length);
        await _stream.WriteAsync(header);
    }

    public Task SendBinaryAsync(ReadOnlyMemory<byte> payload, bool fin = true) => SendFrameAsync(0x2, payload, fin);

    /// <summary>The next frame from the server (opcode, payload), or null once it has closed the socket.</summary>
    public async Task<(byte Opcode, byte[] Payload)?> ReceiveFrameAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            if (TryParseFrame(out var frame))
            {
                return frame;
            }

            if (!await FillAsync(timeout ?? Wait.DefaultTimeout))
            {
                return null;
            }
        }
    }

    /// <summary>Reads frames until a Close arrives; its status code, or null if the socket closed without one.</summary>
    public async Task<int?> ReceiveCloseAsync()
    {
        for (var i = 0; i < 1000; i++)
        {
            var frame = await ReceiveFrameAsync();
            if (frame is null)
            {
                return null;
            }

            if (frame.Value.Opcode == 0x8)
            {
                return frame.Value.Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(frame.Value.Payload) : 1005;
            }
        }

        throw new InvalidOperationException("no Close within 1000 frames");
    }

    /// <summary>Whether the server closes the socket (reads end) within the timeout, discarding what comes.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan timeout)
    {
        try
        {
            while (await FillAsync(timeout))
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private bool TryParseFrame(out (byte Opcode, byte[] Payload) frame)
    {
        frame = default;
        if (_pending.Length < 2)
        {
            return false;
        }

        Assert.True((_pending[1] & 0x80) == 0, "a server must not mask its frames");
        long length = _pending[1] & 0x7F;
        var offset = 2;
        if (length == 126)
        {
            if (_pending.Length < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(_pending.AsSpan(2));
            offset = 4;
        }
        else if (length == 127)
        {
            if (_pending.Length < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_pending.AsSpan(2));
            offset = 10;
        }

        if (_pending.Length < offset + length)
        {
            return false;
        }

        frame = ((byte)(_pending[0] & 0x0F), _pending[offset..(int)(offset + length)]);
        _pending = _pending[(int)(offset + length)..];
        return true;
    }

    private async Task<bool> FillAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var chunk = new byte[8192];
        int read;
        try
        {
            read = await _stream.ReadAsync(chunk, cancel.Token);
        }
        catch (IOException)
        {
            return false;
        }

        if (read == 0)
        {
            return false;
        }

        _pending = [.. _pending, .. chunk.AsSpan(0, read)];
        return true;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
