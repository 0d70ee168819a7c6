using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;
using MQTTnet;
using MQTTnet.Protocol;

namespace Courier.PerfTest.Mqtt;

/// <summary>
/// One MQTT producer: one client and a publish loop on its own thread, keeping up to N publishes
/// in flight (QoS 0 until written, QoS 1 until their PUBACK), each in a slot
/// of its own (body buffer and message object) that returns to the free list when it completes,
/// so a body is never restamped while the client may still need it.
/// </summary>
public sealed class MqttProducer : ILoadProducer
{
    private readonly IMqttClient _client;
    private readonly int _id;
    private readonly string _topic;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly int _messageSize;
    private readonly int _window;
    private readonly ProducerCounters _counters;
    private readonly RatePacer _pacer;
    private readonly ConcurrentStack<PublishSlot> _freeSlots = new();
    private readonly SemaphoreSlim _inFlight;
    private string? _failure;

    public MqttProducer(IMqttClient client, int id, string topic, MqttQualityOfServiceLevel qos, int messageSize, int window,
        ProducerCounters counters, RatePacer pacer)
    {
        _client = client;
        _id = id;
        _topic = topic;
        _qos = qos;
        _messageSize = messageSize;
        _window = window;
        _counters = counters;
        _pacer = pacer;
        _inFlight = new SemaphoreSlim(window, window);
        for (int i = 0; i < window; i++)
        {
            _freeSlots.Push(new PublishSlot(this));
        }
    }

    public long Run(long messageLimit, TimeSpan settleTimeout, CancellationToken stop)
    {
        long sequence = 0;
        _pacer.Start();
        try
        {
            while ((messageLimit == 0 || sequence < messageLimit) && _pacer.WaitTurn(stop) && _failure is null)
            {
                _inFlight.Wait(stop);
                _freeSlots.TryPop(out var slot);
                Debug.Assert(slot is not null, "a slot is free whenever the semaphore lets a publish through");
                slot.Publish(new MessageStamp(_id, sequence, Stopwatch.GetTimestamp()));
                sequence++;
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }

        long stopped = Stopwatch.GetTimestamp();
        long start = stopped;
        while (_inFlight.CurrentCount < _window && Stopwatch.GetElapsedTime(start) < settleTimeout)
        {
            Thread.Sleep(2);
        }

        return _failure is null ? stopped : throw new InvalidOperationException($"producer {_id}: {_failure}");
    }

    public async ValueTask DisposeAsync()
    {
        await MqttConsumer.DisconnectQuietlyAsync(_client).ConfigureAwait(false);
        _client.Dispose();
        _inFlight.Dispose();
    }

    private void Completed(PublishSlot slot, Task<MqttClientPublishResult> publish)
    {
        if (publish.IsCompletedSuccessfully)
        {
            _counters.CountSent();
            if (_qos != MqttQualityOfServiceLevel.AtMostOnce)
            {
                if (publish.Result.IsSuccess)
                {
                    _counters.CountConfirmed(1);
                }
                else
                {
                    _counters.CountNacked(1);
                }
            }
        }
        else
        {
            _failure ??= publish.Exception?.GetBaseException().Message ?? "publish cancelled";
        }

        _freeSlots.Push(slot);
        _inFlight.Release();
    }

    private sealed class PublishSlot
    {
        private static readonly Action<Task<MqttClientPublishResult>, object?> OnCompleted =
            static (task, state) => ((PublishSlot)state!)._owner.Completed((PublishSlot)state!, task);

        private readonly MqttProducer _owner;
        private readonly byte[] _body;
        private readonly MqttApplicationMessage _message;

        public PublishSlot(MqttProducer owner)
        {
            _owner = owner;
            _body = MessageStamp.NewBody(owner._messageSize);
            _message = new MqttApplicationMessageBuilder()
                .WithTopic(owner._topic)
                .WithPayload(_body)
                .WithQualityOfServiceLevel(owner._qos)
                .Build();
        }

        public void Publish(MessageStamp stamp)
        {
            stamp.Write(_body);
            _message.Payload = new ReadOnlySequence<byte>(_body);
            // Not cancellable: a publish cut off half-way would leave the session unusable.
            var publish = _owner._client.PublishAsync(_message, CancellationToken.None);
            if (publish.IsCompleted)
            {
                _owner.Completed(this, publish);
            }
            else
            {
                publish.ContinueWith(OnCompleted, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
        }
    }
}
