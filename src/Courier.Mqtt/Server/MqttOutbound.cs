using System.Buffers;
using System.IO.Pipelines;
using Courier.Core.Buffers;
using Courier.Core.Concurrency;
using Courier.Mqtt.Packets;

namespace Courier.Mqtt.Server;

/// <summary>
/// The packets waiting to be written to one MQTT connection's socket.
/// </summary>
/// <remarks>
/// Written to by the connection's reader (acknowledgements), by queues delivering to its
/// subscriptions (on publishers' threads) and by the store's committer (PUBACKs once durable).
/// Each write appends one whole packet under a short lock; one writer loop swaps the filled buffer
/// for an empty one and copies it to the pipe with a single flush, as the AMQP side does. While
/// more than the high watermark waits, <see cref="IsCongested"/> tells subscriptions to stop
/// taking deliveries, and <see cref="Drained"/> tells them when to start again.
/// </remarks>
internal sealed class MqttOutbound
{
    // Nothing until the first packet: an idle connection holds only the array its CONNACK took, and a
    // buffer grown by a burst of deliveries is dropped when the bursts stop (GrowableBufferWriter.Flushed).
    private const int InitialCapacity = 0;
    private readonly Lock _gate = new();
    private readonly AsyncSignal _signal = new();
    private readonly int _highWatermark;
    private GrowableBufferWriter _filling = new(InitialCapacity);
    private GrowableBufferWriter _draining = new(InitialCapacity);
    private bool _signalled;
    private bool _completed;

    public MqttOutbound(int highWatermark)
    {
        _highWatermark = highWatermark;
    }

    /// <summary>The version packets are written in; set once CONNECT is read.</summary>
    public MqttProtocolVersion Version { get; set; } = MqttProtocolVersion.V311;

    /// <summary>Raised on the writer loop when a congested buffer has drained.</summary>
    public event Action? Drained;

    public bool IsCongested { get; private set; }

    /// <summary>The 5.0 client's Maximum Packet Size (<see cref="MqttPacketLimit"/>); deliveries are measured by the connection.</summary>
    public long ClientMaximumPacketSize { get; set; } = long.MaxValue;

    public void Write(MqttPacket packet)
    {
        if (ClientMaximumPacketSize != long.MaxValue && packet is not MqttPublish)
        {
            MqttPacketLimit.Trim(packet, Version, ClientMaximumPacketSize);
        }

        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            MqttPacketWriter.Write(_filling, packet, Version);
            if (_filling.WrittenCount > _highWatermark)
            {
                IsCongested = true;
            }

            SignalLocked();
        }
    }

    /// <summary>Stops accepting packets; the writer loop flushes what is queued and ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            SignalLocked();
        }
    }

    private void SignalLocked()
    {
        if (!_signalled)
        {
            _signalled = true;
            _signal.Set();
        }
    }

    /// <summary>The writer loop: runs until <see cref="Complete"/> and everything is flushed, or the pipe closes.</summary>
    public async Task RunAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        while (true)
        {
            await _signal.WaitAsync(cancellationToken).ConfigureAwait(false);
            bool completed;
            lock (_gate)
            {
                (_filling, _draining) = (_draining, _filling);
                _signalled = false;
                completed = _completed;
            }

            if (_draining.WrittenCount > 0)
            {
                output.Write(_draining.WrittenSpan);
                _draining.Flushed();
                var result = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }

            if (completed)
            {
                lock (_gate)
                {
                    if (_filling.WrittenCount == 0)
                    {
                        return;
                    }
                }

                _signal.Set();
                continue;
            }

            if (IsCongested)
            {
                lock (_gate)
                {
                    IsCongested = _filling.WrittenCount > _highWatermark;
                }

                if (!IsCongested)
                {
                    Drained?.Invoke();
                }
            }
        }
    }
}
