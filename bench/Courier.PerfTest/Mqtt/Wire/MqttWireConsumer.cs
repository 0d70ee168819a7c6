using System.Buffers.Binary;
using System.Net.Sockets;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Mqtt.Wire;

/// <summary>
/// A subscriber on the lean MQTT client: one thread reads PUBLISH packets and hands each body to
/// the sink straight from the receive buffer. At QoS 1 the PUBACKs are gathered and sent together
/// whenever the reader has consumed everything that arrived (before it waits on the socket), so
/// a burst of deliveries costs one send. Stopping unsubscribes and waits for UNSUBACK.
/// </summary>
public sealed class MqttWireConsumer : ILoadConsumer
{
    private const int AckBatch = 8 * 1024;

    private readonly MqttWireConnection _connection;
    private readonly int _id;
    private readonly string _topic;
    private readonly int _qos;
    private readonly DeliverySink _sink;
    private readonly TaskCompletionSource _unsubscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly byte[] _acks = new byte[AckBatch + 4];
    private readonly Action _flushAcks;
    private Thread? _reader;
    private int _pendingAcks;
    private volatile bool _disposing;
    private volatile string? _closeReason;

    private MqttWireConsumer(MqttWireConnection connection, int id, string topic, int qos, DeliverySink sink)
    {
        _connection = connection;
        _id = id;
        _topic = topic;
        _qos = qos;
        _sink = sink;
        _flushAcks = FlushAcks;
    }

    public static Task<MqttWireConsumer> CreateAsync(string host, int port, string clientId, bool cleanSession, int id, string topic, int qos, DeliverySink sink,
        CancellationToken cancellationToken) =>
        Task.Run(() => new MqttWireConsumer(MqttWireConnection.Open(host, port, clientId, cleanSession), id, topic, qos, sink), cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        _connection.SendSubscription(MqttWireConnection.Subscribe, _topic, _qos);
        var subAck = _connection.ReadPacket(out byte header);
        if (header >> 4 != MqttWireConnection.SubAck || subAck.Length < 3 || subAck[2] == 0x80)
        {
            throw new InvalidOperationException($"consumer {_id}: the broker refused the subscription to '{_topic}'");
        }

        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-mqtt-consumer-{_id}-reader" };
        _reader.Start();
    }, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reader is null || _closeReason is not null)
        {
            return;
        }

        _connection.SendSubscription(MqttWireConnection.Unsubscribe, _topic, qos: null);
        await _unsubscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_closeReason is null)
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
        _reader?.Join(TimeSpan.FromSeconds(5));
        return ValueTask.CompletedTask;
    }

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var body = _connection.ReadPacket(out byte header, _flushAcks);
                switch (header >> 4)
                {
                    case MqttWireConnection.Publish:
                        int topicLength = BinaryPrimitives.ReadUInt16BigEndian(body);
                        int qos = (header >> 1) & 0b11;
                        int payloadStart = 2 + topicLength + (qos > 0 ? 2 : 0);
                        _sink.OnDelivery(body[payloadStart..]);
                        if (qos > 0)
                        {
                            Acknowledge(body.Slice(2 + topicLength, 2));
                        }

                        break;
                    case MqttWireConnection.UnsubAck:
                        FlushAcks();
                        _unsubscribed.TrySetResult();
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            if (!_disposing)
            {
                Closed($"connection lost: {e.Message}");
            }
        }
        catch (Exception e)
        {
            Closed($"unexpected input from the broker: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Acknowledge(ReadOnlySpan<byte> packetId)
    {
        var ack = _acks.AsSpan(_pendingAcks, 4);
        ack[0] = MqttWireConnection.PubAck << 4;
        ack[1] = 2;
        packetId.CopyTo(ack[2..]);
        _pendingAcks += 4;
        if (_pendingAcks >= AckBatch)
        {
            FlushAcks();
        }
    }

    private void FlushAcks()
    {
        if (_pendingAcks > 0)
        {
            _connection.Send(_acks.AsSpan(0, _pendingAcks));
            _pendingAcks = 0;
        }
    }

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        _unsubscribed.TrySetException(new InvalidOperationException($"consumer {_id}: {reason}"));
    }
}
