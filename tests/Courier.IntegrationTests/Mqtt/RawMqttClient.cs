using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Courier.Core.Buffers;
using Courier.IntegrationTests.Infrastructure;
using Courier.Mqtt.Packets;

namespace Courier.IntegrationTests.Mqtt;

/// <summary>
/// MQTT over a bare socket with Courier's own codec, for what a real client library will not send:
/// malformed packets, silence past the keep-alive, CONNECT with exact flags.
/// </summary>
internal sealed class RawMqttClient : IAsyncDisposable
{
    private readonly TcpClient _tcp = new();
    private NetworkStream _stream = null!;
    private byte[] _pending = [];

    public MqttProtocolVersion Version { get; set; } = MqttProtocolVersion.V311;

    public static async Task<RawMqttClient> ConnectAsync(int port)
    {
        var client = new RawMqttClient();
        await client._tcp.ConnectAsync(IPAddress.Loopback, port);
        client._stream = client._tcp.GetStream();
        return client;
    }

    public Task SendAsync(MqttPacket packet)
    {
        var buffer = new GrowableBufferWriter(256);
        MqttPacketWriter.Write(buffer, packet, packet is MqttConnect connect ? connect.ProtocolVersion : Version);
        return SendRawAsync(buffer.WrittenSpan.ToArray());
    }

    public async Task SendRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>The next packet from the broker, or null once it has closed the connection.</summary>
    public async Task<MqttPacket?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Wait.DefaultTimeout);
        var chunk = new byte[4096];
        while (true)
        {
            var sequence = new ReadOnlySequence<byte>(_pending);
            if (MqttPacketReader.TryRead(ref sequence, Version, MqttPacketReader.ProtocolMaximumPacketSize, out var packet))
            {
                _pending = sequence.ToArray();
                return packet;
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(chunk, cancel.Token);
            }
            catch (IOException)
            {
                return null;
            }

            if (read == 0)
            {
                return null;
            }

            _pending = [.. _pending, .. chunk.AsSpan(0, read)];
        }
    }

    public async Task<MqttConnAck> ConnectAsync(MqttConnect connect)
    {
        Version = connect.ProtocolVersion;
        await SendAsync(connect);
        var reply = await ReceiveAsync();
        return Assert.IsType<MqttConnAck>(reply);
    }

    /// <summary>Reads until the broker closes the connection; returns the packets it sent meanwhile.</summary>
    public async Task<List<MqttPacket>> ReadUntilClosedAsync(TimeSpan timeout)
    {
        var packets = new List<MqttPacket>();
        while (await ReceiveAsync(timeout) is { } packet)
        {
            packets.Add(packet);
        }

        return packets;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
