using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Courier.PerfTest.Mqtt.Wire;

/// <summary>
/// A blocking MQTT 3.1.1 connection for the lean client: CONNECT with a clean session and no
/// keep-alive (a run is short and both ends are on loopback), packet reads from a buffer of its
/// own, and locked writes. One thread reads; any thread may write.
/// </summary>
internal sealed class MqttWireConnection : IDisposable
{
    public const byte Connect = 1;
    public const byte ConnAck = 2;
    public const byte Publish = 3;
    public const byte PubAck = 4;
    public const byte Subscribe = 8;
    public const byte SubAck = 9;
    public const byte Unsubscribe = 10;
    public const byte UnsubAck = 11;
    public const byte Disconnect = 14;

    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private readonly Lock _writeGate = new();
    private byte[] _buffer;
    private int _start;
    private int _end;

    private MqttWireConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _buffer = new byte[bufferSize];
    }

    /// <summary>
    /// Connects and waits for a successful CONNACK; blocks the calling thread. The read buffer
    /// starts at <paramref name="bufferSize"/> bytes and grows for a larger packet (an idle
    /// connection, which reads only its CONNACK, takes a few bytes). <paramref name="cleanSession"/> false asks for a persistent session.
    /// </summary>
    public static MqttWireConnection Open(string host, int port, string clientId, bool cleanSession = true, int bufferSize = 256 * 1024)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connection = new MqttWireConnection(socket, bufferSize);
        try
        {
            socket.ReceiveTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)HandshakeTimeout.TotalMilliseconds;
            socket.Connect(IPAddress.TryParse(host, out var address) ? new IPEndPoint(address, port) : new DnsEndPoint(host, port));
            connection.Handshake(clientId, cleanSession);
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

    /// <summary>Sends <paramref name="bytes"/> whole; packets from different threads never interleave.</summary>
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
    /// Blocks until the next packet has arrived; returns its first byte and its body (after the
    /// fixed header), valid until the next call. <paramref name="beforeBlocking"/> runs whenever
    /// the buffer holds no whole packet and the read would wait for the socket.
    /// </summary>
    /// <exception cref="IOException">The broker closed the socket.</exception>
    public ReadOnlySpan<byte> ReadPacket(out byte header, Action? beforeBlocking = null)
    {
        while (true)
        {
            if (TryParse(out header, out int bodyStart, out int bodyLength))
            {
                _start = bodyStart + bodyLength;
                return _buffer.AsSpan(bodyStart, bodyLength);
            }

            beforeBlocking?.Invoke();
            Fill();
        }
    }

    /// <summary>Encodes a remaining length (1 to 4 bytes); returns how many bytes it took.</summary>
    public static int WriteLength(Span<byte> destination, int length)
    {
        int i = 0;
        do
        {
            byte digit = (byte)(length % 128);
            length /= 128;
            destination[i++] = length > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (length > 0);

        return i;
    }

    /// <summary>Writes a UTF-8 string with its two-byte length; returns the bytes written.</summary>
    public static int WriteString(Span<byte> destination, string value)
    {
        int length = Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
        return 2 + length;
    }

    /// <summary>Sends a SUBSCRIBE or UNSUBSCRIBE of one filter with packet id 1 (QoS only for SUBSCRIBE).</summary>
    public void SendSubscription(byte type, string filter, int? qos)
    {
        Span<byte> body = stackalloc byte[2 + 2 + (filter.Length * 3) + 1];
        BinaryPrimitives.WriteUInt16BigEndian(body, 1);
        int length = 2 + WriteString(body[2..], filter);
        if (qos is { } q)
        {
            body[length++] = (byte)q;
        }

        Span<byte> packet = stackalloc byte[5 + length];
        packet[0] = (byte)((type << 4) | 0b0010);
        int header = 1 + WriteLength(packet[1..], length);
        body[..length].CopyTo(packet[header..]);
        Send(packet[..(header + length)]);
    }

    public void SendDisconnect() => Send([Disconnect << 4, 0]);

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

    private void Handshake(string clientId, bool cleanSession)
    {
        Span<byte> body = stackalloc byte[10 + 2 + (clientId.Length * 3)];
        int length = WriteString(body, "MQTT");
        body[length++] = 4; // protocol level: 3.1.1
        body[length++] = cleanSession ? (byte)0b0000_0010 : (byte)0; // clean session or not; no will, no credentials
        BinaryPrimitives.WriteUInt16BigEndian(body[length..], 0); // no keep-alive
        length += 2;
        length += WriteString(body[length..], clientId);
        Span<byte> packet = stackalloc byte[5 + length];
        packet[0] = Connect << 4;
        int header = 1 + WriteLength(packet[1..], length);
        body[..length].CopyTo(packet[header..]);
        Send(packet[..(header + length)]);

        var connAck = ReadPacket(out byte type);
        if (type >> 4 != ConnAck || connAck.Length < 2)
        {
            throw new InvalidOperationException($"expected CONNACK, got packet type {type >> 4}");
        }

        if (connAck[1] != 0)
        {
            throw new InvalidOperationException($"the broker refused the connection: CONNACK return code {connAck[1]}");
        }
    }

    private bool TryParse(out byte header, out int bodyStart, out int bodyLength)
    {
        header = 0;
        bodyStart = 0;
        bodyLength = 0;
        int available = _end - _start;
        if (available < 2)
        {
            return false;
        }

        int length = 0;
        int multiplier = 1;
        int i = 1;
        while (true)
        {
            if (i >= available)
            {
                return false;
            }

            byte digit = _buffer[_start + i++];
            length += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0)
            {
                break;
            }

            multiplier *= 128;
            if (i > 4)
            {
                throw new IOException("malformed remaining length from the broker");
            }
        }

        if (available < i + length)
        {
            if (i + length > _buffer.Length)
            {
                var grown = new byte[i + length];
                _buffer.AsSpan(_start, available).CopyTo(grown);
                _buffer = grown;
                _end = available;
                _start = 0;
            }

            return false;
        }

        header = _buffer[_start];
        bodyStart = _start + i;
        bodyLength = length;
        return true;
    }

    private void Fill()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read = _socket.Receive(_buffer.AsSpan(_end));
        if (read == 0)
        {
            throw new IOException("the broker closed the connection");
        }

        _end += read;
    }
}
