using System.Net.Sockets;
using System.Text;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>
/// A subscriber on the lean STOMP client: one thread reads MESSAGE frames and hands each body to
/// the sink straight from the receive buffer. With <c>ack:client</c> (cumulative) it acknowledges
/// the latest message once every <c>ackEvery</c> deliveries and whenever it has consumed everything
/// that arrived (before it waits on the socket), so a prefetch smaller than <c>ackEvery</c> never
/// stalls it. SUBSCRIBE and UNSUBSCRIBE carry receipts and are waited for: nothing is published
/// before every subscription is in place.
/// </summary>
public sealed class StompWireConsumer : ILoadConsumer
{
    private const string SubscriptionId = "0";
    private static readonly byte[] SubscribedReceipt = "subscribed"u8.ToArray();
    private static readonly byte[] UnsubscribedReceipt = "unsubscribed"u8.ToArray();
    private static readonly byte[] AckPrefix = "ACK\nid:"u8.ToArray();

    private readonly StompWireConnection _connection;
    private readonly int _id;
    private readonly string _destination;
    private readonly bool _autoAck;
    private readonly int _prefetch;
    private readonly int _ackEvery;
    private readonly DeliverySink _sink;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _unsubscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _flushAck;
    private byte[] _ack = new byte[256];
    private int _ackLength;
    private int _unacked;
    private Thread? _reader;
    private volatile bool _disposing;
    private volatile string? _closeReason;

    private StompWireConsumer(StompWireConnection connection, int id, string destination, bool autoAck, int prefetch, int ackEvery, DeliverySink sink)
    {
        _connection = connection;
        _id = id;
        _destination = destination;
        _autoAck = autoAck;
        _prefetch = prefetch;
        _ackEvery = ackEvery;
        _sink = sink;
        _flushAck = FlushAck;
    }

    internal static Task<StompWireConsumer> CreateAsync(StompEndpoint endpoint, int id, string destination, bool autoAck, int prefetch, int ackEvery,
        DeliverySink sink, CancellationToken cancellationToken) =>
        Task.Run(() => new StompWireConsumer(endpoint.Open(), id, destination, autoAck, prefetch, ackEvery, sink), cancellationToken);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"perftest-stomp-consumer-{_id}-reader" };
        _reader.Start();
        var headers = new List<(string, string)> { ("id", SubscriptionId), ("destination", _destination), ("ack", _autoAck ? "auto" : "client") };
        if (!_autoAck && _prefetch > 0)
        {
            // RabbitMQ's (and Courier's) header; ActiveMQ keeps its own default prefetch.
            headers.Add(("prefetch-count", _prefetch.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        headers.Add(("receipt", Encoding.UTF8.GetString(SubscribedReceipt)));
        _connection.Send(StompWireConnection.Frame("SUBSCRIBE", [.. headers]));
        await _subscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_reader is null || _closeReason is not null)
        {
            return;
        }

        _connection.Send(StompWireConnection.Frame("UNSUBSCRIBE", ("id", SubscriptionId), ("receipt", Encoding.UTF8.GetString(UnsubscribedReceipt))));
        await _unsubscribed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _disposing = true;
        if (_closeReason is null)
        {
            _connection.Close();
        }
        else
        {
            _connection.Dispose();
        }

        _reader?.Join(TimeSpan.FromSeconds(5));
        return ValueTask.CompletedTask;
    }

    private void ReadLoop()
    {
        try
        {
            while (true)
            {
                var frame = _connection.ReadFrame(_flushAck);
                if (frame.Is("MESSAGE"u8))
                {
                    _sink.OnDelivery(frame.Body);
                    if (!_autoAck)
                    {
                        Remember(frame);
                    }
                }
                else if (frame.Is("RECEIPT"u8) && frame.TryGetHeader("receipt-id"u8, out var receipt))
                {
                    if (receipt.SequenceEqual(SubscribedReceipt))
                    {
                        _subscribed.TrySetResult();
                    }
                    else if (receipt.SequenceEqual(UnsubscribedReceipt))
                    {
                        FlushAck();
                        _unsubscribed.TrySetResult();
                    }
                }
                else if (frame.Is("ERROR"u8))
                {
                    Closed($"ERROR from the broker: {frame.Describe()}");
                    return;
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

    /// <summary>Keeps the message's <c>ack</c> value, as it came, for the next cumulative ACK.</summary>
    private void Remember(StompWireFrame message)
    {
        if (!message.TryGetHeader("ack"u8, out var ack))
        {
            throw new InvalidDataException("a MESSAGE on an ack:client subscription without an ack header");
        }

        int length = AckPrefix.Length + ack.Length + 3;
        if (_ack.Length < length)
        {
            _ack = new byte[length * 2];
        }

        AckPrefix.CopyTo(_ack, 0);
        ack.CopyTo(_ack.AsSpan(AckPrefix.Length));
        "\n\n\0"u8.CopyTo(_ack.AsSpan(AckPrefix.Length + ack.Length));
        _ackLength = length;
        if (++_unacked >= _ackEvery)
        {
            FlushAck();
        }
    }

    private void FlushAck()
    {
        if (_unacked > 0)
        {
            _connection.Send(_ack.AsSpan(0, _ackLength));
            _unacked = 0;
        }
    }

    private void Closed(string reason)
    {
        _closeReason ??= reason;
        var failure = new InvalidOperationException($"consumer {_id}: {reason}");
        _subscribed.TrySetException(failure);
        _unsubscribed.TrySetException(failure);
    }
}
