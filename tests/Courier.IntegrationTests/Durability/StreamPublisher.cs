using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Publishes one stream of <see cref="SequencedMessage"/>s, persistent, on its own connection and
/// confirm channel, keeping up to a window of publishes unconfirmed (tracking confirms itself for
/// throughput, as a real high-rate publisher does). It knows exactly which sequence numbers were
/// handed to the client library (<see cref="SentUpTo"/>) and which the broker confirmed
/// (<see cref="ConfirmedUpTo"/>); a broker that dies mid-stream ends the run, which is expected.
/// </summary>
internal sealed class StreamPublisher : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly string _exchange;
    private readonly string _routingKey;
    private readonly SemaphoreSlim _window;
    private readonly Lock _confirmGate = new();
    private readonly CancellationTokenSource _closed = new();
    private long _sentUpTo;
    private long _confirmedUpTo;
    private ulong _lastConfirmedTag;
    private int _nacks;
    private string? _confirmOrderViolation;

    private StreamPublisher(IConnection connection, IChannel channel, string stream, string exchange, string routingKey, long firstSequence, int window)
    {
        _connection = connection;
        _channel = channel;
        Stream = stream;
        _exchange = exchange;
        _routingKey = routingKey;
        FirstSequence = firstSequence;
        _sentUpTo = _confirmedUpTo = firstSequence - 1;
        _window = new SemaphoreSlim(window, window);
        channel.BasicAcksAsync += (_, e) => OnConfirm(e.DeliveryTag, e.Multiple, ack: true);
        channel.BasicNacksAsync += (_, e) => OnConfirm(e.DeliveryTag, e.Multiple, ack: false);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            _closed.Cancel();
            return Task.CompletedTask;
        };
    }

    public string Stream { get; }

    /// <summary>The sequence number of this publisher's first message.</summary>
    public long FirstSequence { get; }

    /// <summary>Highest sequence number passed to basic.publish (it may or may not have reached the broker).</summary>
    public long SentUpTo => Interlocked.Read(ref _sentUpTo);

    /// <summary>Highest sequence number confirmed; every one from <see cref="FirstSequence"/> up to it is.</summary>
    public long ConfirmedUpTo => Interlocked.Read(ref _confirmedUpTo);

    public int Nacks => Volatile.Read(ref _nacks);

    /// <summary>Set if the broker confirmed out of order or twice (it must confirm in publish order).</summary>
    public string? ConfirmOrderViolation => Volatile.Read(ref _confirmOrderViolation);

    /// <summary>How the run ended if not by reaching its count: the exception, and whether the broker had been killed by then.</summary>
    public (Exception Error, bool AfterKill)? Failure { get; private set; }

    public static async Task<StreamPublisher> OpenAsync(
        BrokerProcess broker, string stream, string exchange, string routingKey, long firstSequence, int window = 64)
    {
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false));
        return new StreamPublisher(connection, channel, stream, exchange, routingKey, firstSequence, window);
    }

    /// <summary>
    /// Publishes up to <paramref name="count"/> messages as fast as the window allows. Returns when
    /// all are sent, or when the connection dies; <paramref name="killed"/> says whether the test
    /// had killed the broker by then (if not, the failure is the test's to report).
    /// </summary>
    public async Task RunAsync(int count, Func<bool> killed)
    {
        try
        {
            for (var i = 0; i < count; i++)
            {
                await _window.WaitAsync(_closed.Token);
                var sequence = SentUpTo + 1;
                var message = new SequencedMessage(Stream, sequence);
                var publishNumber = await _channel.GetNextPublishSequenceNumberAsync();
                if (publishNumber != (ulong)(sequence - FirstSequence + 1))
                {
                    throw new InvalidOperationException($"publish number {publishNumber} does not match sequence {sequence}");
                }

                Interlocked.Exchange(ref _sentUpTo, sequence);
                await _channel.BasicPublishAsync(_exchange, _routingKey, mandatory: false, message.Properties(), message.Body());
            }
        }
        catch (Exception e)
        {
            Failure = (e, killed());
        }
    }

    /// <summary>Publishes <paramref name="count"/> messages and waits until every one is confirmed.</summary>
    public async Task PublishConfirmedAsync(int count)
    {
        await RunAsync(count, () => false);
        Assert.True(Failure is null, $"publisher {Stream} failed: {Failure?.Error}");
        var last = SentUpTo;
        await Wait.UntilAsync(() => ConfirmedUpTo == last || Nacks > 0, $"{Stream} is confirmed up to {last}", TimeSpan.FromSeconds(60));
        Assert.Equal(0, Nacks);
        Assert.Null(ConfirmOrderViolation);
    }

    private Task OnConfirm(ulong tag, bool multiple, bool ack)
    {
        lock (_confirmGate)
        {
            var first = multiple ? _lastConfirmedTag + 1 : tag;
            if (tag <= _lastConfirmedTag || first != _lastConfirmedTag + 1)
            {
                _confirmOrderViolation ??= $"{Stream}: confirm of tag {tag} (multiple={multiple}) after tag {_lastConfirmedTag}";
            }

            if (ack)
            {
                Interlocked.Exchange(ref _confirmedUpTo, FirstSequence + (long)tag - 1);
            }
            else
            {
                _nacks += (int)(tag - first + 1);
            }

            var released = (int)(tag - _lastConfirmedTag);
            _lastConfirmedTag = Math.Max(tag, _lastConfirmedTag);
            if (released > 0)
            {
                _window.Release(released);
            }
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_connection.IsOpen)
            {
                await _connection.CloseAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is IOException or RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException)
        {
            // The broker is gone; there is nothing left to close politely.
        }

        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        _closed.Dispose();
        _window.Dispose();
    }
}
