using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>
/// A blocking STOMP 1.2 connection for the lean client: CONNECT without heart-beats (a run is
/// short and both ends are on loopback), frame reads from a buffer of its own, and locked writes.
/// One thread reads; any thread may write.
/// </summary>
internal sealed class StompWireConnection : IDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private readonly Lock _writeGate = new();
    private byte[] _buffer;
    private int _start;
    private int _end;

    private StompWireConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>The broker's <c>server</c> header from CONNECTED, for the log.</summary>
    public string? Server { get; private set; }

    /// <summary>
    /// Connects, sends CONNECT (STOMP 1.2, <c>host:/</c>, no heart-beats) and waits for CONNECTED;
    /// blocks the calling thread. The read buffer starts at <paramref name="bufferSize"/> bytes and
    /// grows for a larger frame.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker answered with ERROR, or with another version.</exception>
    public static StompWireConnection Open(string host, int port, string login, string passcode, int bufferSize = 256 * 1024)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new StompWireConnection(socket, bufferSize);
        try
        {
            socket.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.Connect(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
            connection.Handshake(login, passcode);
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

    /// <summary>
    /// A frame with no body, as bytes ready to send. Values are escaped as STOMP 1.2 asks of every
    /// frame but CONNECT; the ones this client sends (names, ids, numbers) have nothing to escape.
    /// </summary>
    public static byte[] Frame(string command, params ReadOnlySpan<(string Name, string Value)> headers)
    {
        var text = new StringBuilder(command).Append('\n');
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(':').Append(value).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.Append('\n').Append('\0').ToString());
    }

    /// <summary>Sends <paramref name="bytes"/> whole; frames from different threads never interleave.</summary>
    public void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_writeGate)
        {
            while (!bytes.IsEmpty)
            {
                int sent = _socket.Send(bytes);
                bytes = bytes[sent..];
            }
        }
    }

    /// <summary>
    /// Blocks until the next frame has arrived; it is valid until the next call.
    /// <paramref name="beforeBlocking"/> runs whenever the buffer holds no whole frame and the read
    /// would wait for the socket.
    /// </summary>
    /// <exception cref="IOException">The broker closed the socket.</exception>
    /// <exception cref="InvalidDataException">The broker sent something that is not a STOMP frame.</exception>
    public StompWireFrame ReadFrame(Action? beforeBlocking = null)
    {
        while (true)
        {
            if (StompWireFrame.TryParse(_buffer.AsSpan(_start, _end - _start), out var frame, out int consumed))
            {
                _start += consumed;
                return frame;
            }

            beforeBlocking?.Invoke();
            Fill();
        }
    }

    /// <summary>Sends DISCONNECT and closes, quietly if the broker closed first.</summary>
    public void Close()
    {
        try
        {
            Send(Disconnect);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        Dispose();
    }

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

    private static readonly byte[] Disconnect = Frame("DISCONNECT");

    private void Handshake(string login, string passcode)
    {
        // CONNECT's values are not escaped (STOMP 1.2), so they go as they are.
        Send(Frame("CONNECT", ("accept-version", "1.2"), ("host", "/"), ("login", login), ("passcode", passcode), ("heart-beat", "0,0")));
        var reply = ReadFrame();
        if (reply.Is("ERROR"u8))
        {
            throw new InvalidOperationException($"the broker refused the connection: {reply.Describe()}");
        }

        if (!reply.Is("CONNECTED"u8))
        {
            throw new InvalidOperationException($"expected CONNECTED, got {Encoding.UTF8.GetString(reply.Command)}");
        }

        string version = reply.HeaderText("version"u8) ?? "1.0";
        if (version != "1.2")
        {
            throw new InvalidOperationException($"the broker chose STOMP {version}; the lean client speaks 1.2 only");
        }

        Server = reply.HeaderText("server"u8);
    }

    private void Fill()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                // A frame larger than the buffer: grow (TryParse bounds how far).
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            else
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
        }

        int read = _socket.Receive(_buffer.AsSpan(_end));
        if (read == 0)
        {
            throw new IOException("the broker closed the connection");
        }

        _end += read;
    }
}
