using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.PerfTest.Amqp.Wire;

/// <summary>
/// A blocking AMQP 0-9-1 connection with one channel, for the lean client: the handshake, frame
/// reads from a buffer of its own, and locked writes. One thread reads; any thread may write.
/// </summary>
/// <remarks>
/// Heartbeats are turned off in tune-ok (a run is short and both ends are on loopback), and no
/// client capabilities are announced, so the broker sends nothing the reader does not expect.
/// </remarks>
internal sealed class WireConnection : IDisposable
{
    public const ushort Channel = 1;

    /// <summary>The largest frame the client asks for; bodies longer than this go in several frames.</summary>
    public const int PreferredFrameMax = 131_072;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private readonly Lock _writeGate = new();
    private readonly byte[] _control = new byte[1024];
    private byte[] _buffer = new byte[256 * 1024];
    private int _start;
    private int _end;

    private WireConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>The negotiated frame_max.</summary>
    public int FrameMax { get; private set; }

    /// <summary>Connects, logs in and opens channel 1; blocks the calling thread.</summary>
    public static WireConnection Open(Uri uri, string connectionName)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new WireConnection(socket);
        try
        {
            socket.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.Connect(ResolveEndPoint(uri));
            connection.Handshake(uri, connectionName);
            socket.ReceiveTimeout = 0;
            socket.SendTimeout = 0;
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="bytes"/> whole; frames from different threads never interleave.</summary>
    public void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_writeGate)
        {
            SendUnlocked(bytes);
        }
    }

    /// <summary>Sends one method frame on the channel (or on channel 0 for connection methods).</summary>
    public void SendMethod(ushort classId, ushort methodId, ReadOnlySpan<byte> arguments, ushort channel = Channel)
    {
        lock (_writeGate)
        {
            int length = WireCodec.WriteMethod(_control, channel, classId, methodId, arguments);
            SendUnlocked(_control.AsSpan(0, length));
        }
    }

    /// <summary>
    /// Blocks until the next frame has arrived and returns its payload, valid until the next call.
    /// </summary>
    /// <exception cref="IOException">The broker closed the socket.</exception>
    public ReadOnlySpan<byte> ReadFrame(out byte type, out ushort channel)
    {
        while (true)
        {
            int available = _end - _start;
            if (available >= 7)
            {
                int size = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start + 3));
                if (size < 0 || size > Math.Max(FrameMax, PreferredFrameMax))
                {
                    throw new IOException($"frame of {size} bytes exceeds frame_max {FrameMax}");
                }

                int total = size + WireCodec.FrameOverhead;
                if (available >= total)
                {
                    var frame = _buffer.AsSpan(_start, total);
                    if (frame[^1] != WireCodec.FrameEnd)
                    {
                        throw new IOException("frame without its end octet");
                    }

                    type = frame[0];
                    channel = BinaryPrimitives.ReadUInt16BigEndian(frame[1..]);
                    _start += total;
                    return frame.Slice(7, size);
                }

                if (total > _buffer.Length)
                {
                    Array.Resize(ref _buffer, total);
                }
            }

            Fill();
        }
    }

    /// <summary>
    /// Reads frames until a method frame arrives; returns its class, method and arguments, valid
    /// until the next read. Content and heartbeat frames in between are the caller's to ignore.
    /// </summary>
    public ReadOnlySpan<byte> ReadMethod(out ushort classId, out ushort methodId)
    {
        while (true)
        {
            var payload = ReadFrame(out byte type, out _);
            if (type == WireCodec.MethodFrame)
            {
                classId = BinaryPrimitives.ReadUInt16BigEndian(payload);
                methodId = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                return payload[4..];
            }
        }
    }

    /// <summary>Reads the answer to a synchronous request; a channel or connection close instead is an error.</summary>
    public ReadOnlySpan<byte> Expect(ushort classId, ushort methodId)
    {
        var arguments = ReadMethod(out ushort gotClass, out ushort gotMethod);
        if (gotClass == classId && gotMethod == methodId)
        {
            return arguments;
        }

        if (IsClose(gotClass, gotMethod))
        {
            throw new InvalidOperationException($"broker closed the {(gotClass == 10 ? "connection" : "channel")}: {DescribeClose(arguments)}");
        }

        throw new InvalidOperationException($"expected method {classId}.{methodId}, got {gotClass}.{gotMethod}");
    }

    private static bool IsClose(ushort classId, ushort methodId) => (classId, methodId) is (10, 50) or (20, 40);

    /// <summary>"reply-code reply-text" of a connection.close or channel.close.</summary>
    private static string DescribeClose(ReadOnlySpan<byte> arguments)
    {
        var reader = new ArgumentReader(arguments);
        ushort code = reader.Short();
        return $"{code} {reader.ShortString()}";
    }

    /// <summary>
    /// Deals with the methods that end the conversation: close-ok for our connection.close, or a
    /// connection.close or channel.close from the broker, which is answered and whose reply is
    /// given back. False for any other method.
    /// </summary>
    /// <param name="readerDone">Nothing more will arrive: the reading thread should stop.</param>
    public bool TryHandleClose(ushort classId, ushort methodId, ReadOnlySpan<byte> arguments, out string? reply, out bool readerDone)
    {
        reply = null;
        readerDone = (classId, methodId) is (10, 51) or (10, 50);
        if ((classId, methodId) is (10, 50) or (20, 40))
        {
            reply = DescribeClose(arguments);
            SendMethod(classId, classId == 10 ? (ushort)51 : (ushort)41, [], classId == 10 ? (ushort)0 : Channel);
        }

        return readerDone || reply is not null;
    }

    /// <summary>Sends connection.close; the reader should then see close-ok.</summary>
    public void SendConnectionClose()
    {
        Span<byte> arguments = stackalloc byte[32];
        var writer = new ArgumentWriter(arguments);
        writer.Short(200);
        writer.ShortString("bye");
        writer.Short(0);
        writer.Short(0);
        SendMethod(10, 50, writer.Written, channel: 0);
    }

    /// <summary>Closes the socket, which also wakes a thread blocked reading it.</summary>
    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    private static EndPoint ResolveEndPoint(Uri uri)
    {
        int port = uri.IsDefaultPort || uri.Port <= 0 ? 5672 : uri.Port;
        return IPAddress.TryParse(uri.Host, out var address)
            ? new IPEndPoint(address, port)
            : new DnsEndPoint(uri.Host, port);
    }

    private static (string User, string Password, string VirtualHost) Credentials(Uri uri)
    {
        string user = "guest", password = "guest";
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            user = Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
        }

        string path = uri.AbsolutePath;
        string virtualHost = path is "" or "/" ? "/" : Uri.UnescapeDataString(path[1..]);
        return (user, password, virtualHost);
    }

    private void Handshake(Uri uri, string connectionName)
    {
        var (user, password, virtualHost) = Credentials(uri);
        Send("AMQP\0\0\u0009\u0001"u8);
        Expect(10, 10); // connection.start: PLAIN is offered by every broker we speak to

        Span<byte> arguments = stackalloc byte[1024];
        var startOk = new ArgumentWriter(arguments);
        startOk.Table([("product", "courier-perftest (lean)"), ("connection_name", connectionName)]);
        startOk.ShortString("PLAIN");
        startOk.LongString(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        startOk.ShortString("en_US");
        SendMethod(10, 11, startOk.Written, channel: 0);

        var tune = new ArgumentReader(Expect(10, 30));
        ushort channelMax = tune.Short();
        uint frameMax = tune.Long();
        FrameMax = frameMax == 0 ? PreferredFrameMax : (int)Math.Min(frameMax, PreferredFrameMax);
        var tuneOk = new ArgumentWriter(arguments);
        tuneOk.Short(channelMax == 0 ? (ushort)2047 : channelMax);
        tuneOk.Long((uint)FrameMax);
        tuneOk.Short(0); // no heartbeats
        SendMethod(10, 31, tuneOk.Written, channel: 0);

        var open = new ArgumentWriter(arguments);
        open.ShortString(virtualHost);
        open.ShortString("");
        open.Octet(0);
        SendMethod(10, 40, open.Written, channel: 0);
        Expect(10, 41);

        SendMethod(20, 10, [0]); // channel.open with an empty reserved short string
        Expect(20, 11);
    }

    private void SendUnlocked(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            int sent = _socket.Send(bytes, SocketFlags.None);
            bytes = bytes[sent..];
        }
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        int read = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("the broker closed the connection");
        }

        _end += read;
    }
}
