using System.Buffers.Binary;
using System.Net.Sockets;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Amqp.Wire;

/// <summary>
/// A consumer on the lean client: one thread reads deliveries, hands each body to the sink
/// straight from the receive buffer (a body split over frames is put together first), and
/// acknowledges with <c>multiple</c> every N deliveries. Stopping cancels the subscription and,
/// on cancel-ok, acknowledges what is left, from the reader thread, so the ack bookkeeping has a
/// single owner.
/// </summary>
public sealed class WireConsumer : ILoadConsumer
{
    private readonly WireConnection _connection;
    private readonly int _id;
    private readonly DeliverySink _sink;
    private readonly string _queue;
    private readonly bool _autoAck;
    private readonly int _ackEvery;
    private readonly TaskCompletionSource _cancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _reader;
    private string? _consumerTag;
    private volatile bool _disposing;
    private volatile string? _closeReason;

    // Reader thread only.
    private ulong _lastDeliveryTag;
    private int _unacked;
    private byte[] _assembly = [];

    private WireConsumer(WireConnection connection, int id, DeliverySink sink, string queue, bool autoAck, int prefetch, int multiAckEvery)
    {
        _connection = connection;
        _id = id;
        _sink = sink;
        _queue = queue;
        _autoAck = autoAck;
        // Acking less often than the prefetch allows would stall the consumer for good.
        _ackEvery = prefetch > 0 ? Math.Min(multiAckEvery, prefetch) : multiAckEvery;
    }

    public static Task<WireConsumer> CreateAsync(Uri uri, int id, string queue, bool autoAck, int prefetch, int multiAckEvery,
        DeliverySink sink, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            var connection = WireConnection.Open(uri, $"perftest-consumer-{id}");
            try
            {
                if (prefetch > 0 && !autoAck)
                {
                    Span<byte> qos = stackalloc byte[7];
                    var writer = new ArgumentWriter(qos);
                    writer.Long(0);
                    writer.Short((ushort)prefetch);
                    writer.Octet(0);
                    connection.SendMethod(60, 10, writer.Written);
                    connection.Expect(60, 11);
                }

                return new WireConsumer(connection, id, sink, queue, autoAck, prefetch, multiAckEvery);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }, cancellationToken);

    public Task StartAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        Span<byte> arguments = stackalloc byte[600];
        var consume = new ArgumentWriter(arguments);
        consume.Short(0);
        consume.ShortString(_queue);
        consume.ShortString("");
        consume.Octet(_autoAck ? (byte)0b10 : (byte)0); // no-local, no-ack, exclusive, no-wait
        consume.Long(0); // no arguments
        _connection.SendMethod(60, 20, consume.Written);
        _consumerTag = new ArgumentReader(_connection.Expect(60, 21)).ShortString();
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-consumer-{_id}-reader" };
        _reader.Start();
    }, cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_consumerTag is null || _closeReason is not null || _cancelled.Task.IsCompleted)
        {
            return;
        }

        var cancel = new byte[2 + _consumerTag.Length * 3];
        var writer = new ArgumentWriter(cancel);
        writer.ShortString(_consumerTag);
        writer.Octet(0);
        _connection.SendMethod(60, 30, writer.Written);
        await _cancelled.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_closeReason is null && _reader is not null)
        {
            try
            {
                _connection.SendConnectionClose();
                _reader.Join(TimeSpan.FromSeconds(5));
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
        ulong deliveryTag = 0;
        long bodySize = 0;
        int assembled = 0;
        try
        {
            while (true)
            {
                var payload = _connection.ReadFrame(out byte type, out _);
                switch (type)
                {
                    case WireCodec.MethodFrame:
                        ushort classId = BinaryPrimitives.ReadUInt16BigEndian(payload);
                        ushort methodId = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
                        var arguments = payload[4..];
                        switch ((classId, methodId))
                        {
                            case (60, 60): // basic.deliver: consumer-tag, delivery-tag, …
                                deliveryTag = BinaryPrimitives.ReadUInt64BigEndian(arguments[(1 + arguments[0])..]);
                                break;
                            case (60, 31): // cancel-ok: nothing more will arrive
                                AcknowledgeRest();
                                _cancelled.TrySetResult();
                                break;
                            case (60, 30): // the broker cancelled us (queue deleted)
                                _cancelled.TrySetResult();
                                break;
                            default:
                                if (_connection.TryHandleClose(classId, methodId, arguments, out string? reply, out bool done))
                                {
                                    if (reply is not null)
                                    {
                                        Closed(reply);
                                    }

                                    if (done)
                                    {
                                        return;
                                    }
                                }

                                break;
                        }

                        break;
                    case WireCodec.HeaderFrame:
                        bodySize = BinaryPrimitives.ReadInt64BigEndian(payload[4..]);
                        assembled = 0;
                        if (bodySize == 0)
                        {
                            Delivered(deliveryTag, []);
                        }

                        break;
                    case WireCodec.BodyFrame:
                        if (assembled == 0 && payload.Length == bodySize)
                        {
                            Delivered(deliveryTag, payload);
                            break;
                        }

                        if (_assembly.Length < bodySize)
                        {
                            _assembly = new byte[bodySize];
                        }

                        payload.CopyTo(_assembly.AsSpan(assembled));
                        assembled += payload.Length;
                        if (assembled == bodySize)
                        {
                            Delivered(deliveryTag, _assembly.AsSpan(0, assembled));
                        }

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
            // Anything else is a frame this client cannot make sense of: end this connection's
            // part of the run with the reason, rather than the whole process.
            Closed($"unexpected input from the broker: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Delivered(ulong deliveryTag, ReadOnlySpan<byte> body)
    {
        _sink.OnDelivery(body);
        if (_autoAck)
        {
            return;
        }

        _lastDeliveryTag = deliveryTag;
        if (++_unacked >= _ackEvery)
        {
            _unacked = 0;
            SendAck(deliveryTag);
        }
    }

    private void AcknowledgeRest()
    {
        if (!_autoAck && _unacked > 0)
        {
            _unacked = 0;
            SendAck(_lastDeliveryTag);
        }
    }

    private void SendAck(ulong deliveryTag)
    {
        Span<byte> ack = stackalloc byte[9];
        BinaryPrimitives.WriteUInt64BigEndian(ack, deliveryTag);
        ack[8] = 1; // multiple
        _connection.SendMethod(60, 80, ack);
    }

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        _cancelled.TrySetException(new InvalidOperationException($"consumer {_id}: channel closed: {reason}"));
    }
}
