using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Courier.PerfTest.Amqp;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Mqtt.Wire;

/// <summary>
/// A producer on the lean MQTT client: the publish loop writes PUBLISH packets straight into a
/// batch buffer and sends the batch once it passes <see cref="FlushAt"/> bytes, before the loop
/// would block on the window, and after every message when a rate is set. At QoS 1 each publish
/// holds a window slot (a <see cref="ConfirmWindow"/> tag, sent as packet id tag mod 65,535) until
/// its PUBACK, which a reader thread of its own settles.
/// </summary>
public sealed class MqttWireProducer : ILoadProducer
{
    private const int FlushAt = 32 * 1024;
    private const int PacketIds = 65_535;

    private readonly MqttWireConnection _connection;
    private readonly ConfirmWindow? _window;
    private readonly int _id;
    private readonly ProducerCounters _counters;
    private readonly RatePacer _pacer;
    private readonly byte[] _topic;
    private readonly byte[] _body;
    private readonly int _qos;
    private readonly ulong[] _tagOf = new ulong[PacketIds + 1];
    private readonly CancellationTokenSource _closed = new();
    private readonly Thread _reader;
    private volatile string? _closeReason;
    private volatile bool _disposing;

    private MqttWireProducer(MqttWireConnection connection, int id, string topic, int qos, int messageSize, int window,
        ProducerCounters counters, RatePacer pacer)
    {
        _connection = connection;
        _id = id;
        _qos = qos;
        _counters = counters;
        _pacer = pacer;
        _body = MessageStamp.NewBody(messageSize);
        _topic = new byte[2 + (topic.Length * 3)];
        _topic = _topic[..MqttWireConnection.WriteString(_topic, topic)];
        _window = qos > 0 ? new ConfirmWindow(Math.Clamp(window, 1, PacketIds / 4)) : null;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-mqtt-producer-{id}-reader" };
        _reader.Start();
    }

    public static Task<MqttWireProducer> CreateAsync(string host, int port, string clientId, int id, string topic, int qos, int messageSize,
        int window, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        Task.Run(() => new MqttWireProducer(MqttWireConnection.Open(host, port, clientId), id, topic, qos, messageSize, window, counters, pacer), cancellationToken);

    private int MessageLength => 5 + _topic.Length + 2 + _body.Length;

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop, _closed.Token);
        var batch = new byte[FlushAt + MessageLength];
        int used = 0;
        long sequence = 0;
        _pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && _pacer.WaitTurn(cancel.Token))
            {
                ulong tag = 0;
                if (_window is not null && !_window.TryReserve(out tag))
                {
                    Flush(batch, ref used);
                    tag = _window.Reserve(cancel.Token);
                }

                used += WriteMessage(batch.AsSpan(used), sequence, tag);
                _counters.CountSent();

                sequence++;
                if (used >= FlushAt || _pacer.Limited)
                {
                    Flush(batch, ref used);
                }
            }

            Flush(batch, ref used);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (_closeReason is null)
            {
                Flush(batch, ref used);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException && _closeReason is not null)
        {
        }

        long stopped = Stopwatch.GetTimestamp();
        if (_closeReason is not null)
        {
            throw new InvalidOperationException($"producer {_id}: connection closed: {_closeReason}");
        }

        _window?.Drain(settleTimeout, _closed.Token);
        return _closeReason is null ? stopped : throw new InvalidOperationException($"producer {_id}: connection lost waiting for PUBACKs: {_closeReason}");
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
        _reader.Join(TimeSpan.FromSeconds(5));
        _window?.Dispose();
        _closed.Dispose();
        return ValueTask.CompletedTask;
    }

    private int WriteMessage(Span<byte> destination, long sequence, ulong tag)
    {
        new MessageStamp(_id, sequence, Stopwatch.GetTimestamp()).Write(_body);
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

    private void Flush(byte[] batch, ref int used)
    {
        if (used > 0)
        {
            _connection.Send(batch.AsSpan(0, used));
            used = 0;
        }
    }

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var body = _connection.ReadPacket(out byte header);
                if (header >> 4 == MqttWireConnection.PubAck && body.Length >= 2 && _window is not null)
                {
                    ushort packetId = BinaryPrimitives.ReadUInt16BigEndian(body);
                    _counters.CountConfirmed(_window.Settle(Volatile.Read(ref _tagOf[packetId]), multiple: false));
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

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        _closed.Cancel();
    }
}
