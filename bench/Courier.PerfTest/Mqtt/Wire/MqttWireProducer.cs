using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Courier.PerfTest.Amqp;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Mqtt.Wire;

/// <summary>
/// A producer on the lean MQTT client (the batching loop is <see cref="BatchingProducer"/>'s). At
/// QoS 1 each publish holds a window slot (a <see cref="ConfirmWindow"/> tag, sent as packet id tag
/// mod 65,535) until its PUBACK, which the reader thread settles.
/// </summary>
public sealed class MqttWireProducer : BatchingProducer
{
    private const int PacketIds = 65_535;

    private readonly MqttWireConnection _connection;
    private readonly byte[] _topic;
    private readonly byte[] _body;
    private readonly int _qos;
    private readonly ulong[] _tagOf = new ulong[PacketIds + 1];

    private MqttWireProducer(MqttWireConnection connection, int id, string topic, int qos, int messageSize, int window,
        ProducerCounters counters, RatePacer pacer)
        : base(id, qos > 0 ? new ConfirmWindow(Math.Clamp(window, 1, PacketIds / 4)) : null, counters, pacer, "PUBACKs")
    {
        _connection = connection;
        _qos = qos;
        _body = MessageStamp.NewBody(messageSize);
        _topic = new byte[2 + (topic.Length * 3)];
        _topic = _topic[..MqttWireConnection.WriteString(_topic, topic)];
        StartReader($"perftest-mqtt-producer-{id}-reader");
    }

    public static Task<MqttWireProducer> CreateAsync(string host, int port, string clientId, int id, string topic, int qos, int messageSize,
        int window, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        Task.Run(() => new MqttWireProducer(MqttWireConnection.Open(host, port, clientId), id, topic, qos, messageSize, window, counters, pacer), cancellationToken);

    protected override int MessageLength => 5 + _topic.Length + 2 + _body.Length;

    protected override int WriteMessage(Span<byte> destination, long sequence, ulong tag)
    {
        new MessageStamp(Id, sequence, Stopwatch.GetTimestamp()).Write(_body);
        int remaining = _topic.Length + (_qos > 0 ? 2 : 0) + _body.Length;
        destination[0] = (byte)((MqttWireConnection.Publish << 4) | (_qos << 1));
        int length = 1 + MqttWireConnection.WriteLength(destination[1..], remaining);
        _topic.CopyTo(destination[length..]);
        length += _topic.Length;
        if (_qos > 0)
        {
            ushort packetId = (ushort)(((tag - 1) % PacketIds) + 1);
            Volatile.Write(ref _tagOf[packetId], tag);
            BinaryPrimitives.WriteUInt16BigEndian(destination[length..], packetId);
            length += 2;
        }

        _body.CopyTo(destination[length..]);
        return length + _body.Length;
    }

    protected override void Send(ReadOnlySpan<byte> batch) => _connection.Send(batch);

    protected override void ReadReplies()
    {
        while (true)
        {
            var body = _connection.ReadPacket(out byte header);
            if (header >> 4 == MqttWireConnection.PubAck && body.Length >= 2 && Window is not null)
            {
                ushort packetId = BinaryPrimitives.ReadUInt16BigEndian(body);
                Counters.CountConfirmed(Window.Settle(Volatile.Read(ref _tagOf[packetId]), multiple: false));
            }
        }
    }

    protected override void CloseConnection(bool graceful)
    {
        if (graceful)
        {
            try
            {
                _connection.SendDisconnect();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }

        _connection.Dispose();
    }
}
