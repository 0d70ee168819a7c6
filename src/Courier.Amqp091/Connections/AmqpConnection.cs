using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Courier.Amqp091.Channels;
using Courier.Amqp091.Framing;
using Courier.Core;
using Courier.Core.Concurrency;
using Courier.Core.Security;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;
using Microsoft.Extensions.Logging;

namespace Courier.Amqp091.Connections;

/// <summary>
/// One client connection speaking AMQP 0-9-1: the handshake, the frame loop, channel 0 methods and
/// the close handshake.
/// </summary>
/// <remarks>
/// <para>One reader loop owns all of the connection's protocol state and handles frames in order;
/// other threads reach it only by cancelling the pending read (shutdown) or aborting the
/// connection (timeouts). Frames go out through <see cref="Outbound"/>, which any thread may
/// write to.</para>
/// <para>Errors: a soft error (404, 403, 405, 406) closes the channel it happened on; a hard error
/// closes the connection with connection.close and waits, bounded, for close-ok. Bytes that cannot
/// be framed are answered with 501 and the socket is closed at once, since nothing after them can
/// be trusted.</para>
/// </remarks>
internal sealed partial class AmqpConnection : IClientSessionControl
{
    // Deadlines (handshake, heartbeats, close-ok) are checked this often, and the close-ok one at its due time too.
    private static readonly TimeSpan TimerPeriod = TimeSpan.FromSeconds(1);
    private readonly IDuplexPipe _transport;
    private readonly AmqpOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Dictionary<ushort, AmqpChannel> _channels = [];
    private readonly Action _abortTransport;
    private readonly ShortStringCache _strings = new();
    private ConnectionState _state = ConnectionState.AwaitingProtocolHeader;
    private ushort _channelMax;
    private ushort _heartbeat;
    private long _lastReceived;
    private long _connectedAt;
    private long _closingSince;
    private ITimer? _timer;
    private volatile bool _shutdownRequested;
    private volatile bool _readPaused;
    // Completed by RequestShutdown: a reader paused by an alarm or by flow stops pausing, reads the
    // cancelled read and closes (a paused reader never sees CancelPendingRead otherwise).
    private readonly TaskCompletionSource _shutdownSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile string? _closeReason;
    // Set by a channel (on the read loop) when a publish reached a flow-limited queue.
    private Core.Queues.IQueue? _flowLimitedBy;
    // The last flow pause ran out before the queue was released: read whole buffers until the
    // next pause, so acks queued behind publishes on this connection can get through.
    private bool _flowTrickle;
    private bool _finished;

    // Processing stops before a method that may block, on an epoll thread, to continue on the pool.
    private IoThreadExit _ioThreadExit;
    // close-ok went out in answer to the client's connection.close: drain its input before closing.
    private bool _lingerOnClose;
    private bool _isPublisher;
    private bool _sentBlocked;

    /// <summary>The CN of the client's verified TLS certificate, if it sent one: SASL EXTERNAL is offered, and logs in as this user.</summary>
    public string? CertificateUser { get; init; }

    public AmqpConnection(
        IDuplexPipe transport,
        EndPoint? remoteEndPoint,
        EndPoint? localEndPoint,
        Broker broker,
        AmqpOptions options,
        ILogger logger,
        TimeProvider time,
        Action abortTransport)
    {
        _transport = transport;
        RemoteEndPoint = remoteEndPoint;
        Broker = broker;
        _options = options;
        _logger = logger;
        _time = time;
        _abortTransport = abortTransport;
        Name = $"{remoteEndPoint} -> {localEndPoint}";
        FrameMax = options.FrameMax;
        _channelMax = options.ChannelMax;
        Outbound = new OutboundBuffer(options.OutboundHighWatermark);
        Outbound.Drained += OnOutboundDrained;
    }

    public string Name { get; }

    public EndPoint? RemoteEndPoint { get; }

    public Broker Broker { get; }

    public OutboundBuffer Outbound { get; }

    /// <summary>The negotiated largest frame; deliveries split bodies to fit.</summary>
    public uint FrameMax { get; private set; }

    public User? User { get; private set; }

    public VirtualHost? VirtualHost { get; private set; }

    /// <summary>This connection as the core knows it, owner of its exclusive queues and consumers; set once the vhost is open.</summary>
    public ClientSession? Session { get; private set; }

    public ClientCapabilities ClientCapabilities { get; private set; } = ClientCapabilities.None;

    /// <summary>Runs the connection until the client or the server closes it.</summary>
    public async Task RunAsync(CancellationToken closeRequested)
    {
        AmqpLog.Accepted(_logger, Name);
        var writer = Outbound.RunAsync(_transport.Output, _time, _lifetime.Token);
        _lastReceived = _connectedAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(static s => ((AmqpConnection)s!).OnTimer(), this, TimerPeriod, TimerPeriod);
        using var registration = closeRequested.Register(static s => ((AmqpConnection)s!).RequestShutdown(), this);
        Broker.Resources.Changed += OnAlarmChanged;
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Aborted: timeout or missed heartbeats, already logged.
        }
        catch (Exception e) when (IsTransportGone(e))
        {
            // The client went away without closing.
        }
        catch (Exception e)
        {
            AmqpLog.UnexpectedError(_logger, Name, e);
        }
        finally
        {
            // Closing deletes exclusive and auto-delete queues, which may save the definitions.
            if (IoThread.MustLeave)
            {
                await IoThread.LeaveAsync();
            }

            await FinishAsync(writer).ConfigureAwait(false);
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        while (!_finished)
        {
            if (_isPublisher && Broker.Resources.IsBlocked && !_shutdownRequested && _state != ConnectionState.Closing)
            {
                // A resource alarm is on: stop reading from a publishing connection until it
                // clears, so its publishes wait in the client and the socket, not in our memory.
                OnAlarmChanged(Broker.Resources.Alarm);
                await PauseReadingAsync(Broker.Resources.WaitUntilClearAsync(_lifetime.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }

            if (_flowLimitedBy is { } queue)
            {
                // A publish reached a queue whose consumers are behind. The pause is bounded
                // because the acks that would drain it may wait behind the publishes on this same
                // connection, or its consumers may be stuck: after a pause that runs out the
                // connection handles one more buffer (a trickle, not a deadlock) and pauses again.
                _flowLimitedBy = null;
                var released = queue.WhenFlowReleased();
                _flowTrickle = !released.IsCompleted && !await PauseReadingAsync(released, _options.FlowPauseLimit).ConfigureAwait(false);
            }

            var result = await input.ReadAsync(_lifetime.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            var stoppedForFlow = false;
            try
            {
                if (result.IsCanceled && _shutdownRequested)
                {
                    OnShutdownRequested();
                }

                stoppedForFlow = Process(ref buffer);
            }
            finally
            {
                // Everything before buffer.Start is consumed. The rest was examined and needs more
                // bytes, unless processing stopped for flow: then whole frames wait there, to be
                // read again as soon as the connection resumes.
                if (stoppedForFlow || _ioThreadExit.Leaving)
                {
                    input.AdvanceTo(buffer.Start);
                }
                else
                {
                    input.AdvanceTo(buffer.Start, result.Buffer.End);
                }

                Outbound.Traffic.OnRead(result.Buffer.Length, buffer.Length);
            }

            if (_ioThreadExit.TakeLeave())
            {
                // The method that may block is read again, at once, on a pool thread.
                await IoThread.LeaveAsync();
                continue;
            }

            if (result.IsCompleted)
            {
                break;
            }
        }
    }

    /// <summary>Handles the whole frames in <paramref name="buffer"/>; true if it stopped early for queue flow.</summary>
    private bool Process(ref ReadOnlySequence<byte> buffer)
    {
        if (_state == ConnectionState.AwaitingProtocolHeader)
        {
            switch (AmqpFrameReader.TryReadProtocolHeader(ref buffer))
            {
                case AmqpFrameReader.HeaderResult.NeedMore:
                    return false;
                case AmqpFrameReader.HeaderResult.Rejected:
                    AmqpLog.BadProtocolHeader(_logger, Name);
                    Outbound.WriteRaw(AmqpFrameReader.ProtocolHeader);
                    buffer = buffer.Slice(buffer.End);
                    _finished = true;
                    return false;
                default:
                    SendStart();
                    break;
            }
        }

        var stoppedForFlow = false;
        while (!_finished)
        {
            if (_flowLimitedBy is not null && !_flowTrickle)
            {
                // A publish reached a queue whose consumers are behind: leave the rest unread.
                stoppedForFlow = true;
                break;
            }

            AmqpFrame frame;
            var unread = buffer;
            try
            {
                if (!AmqpFrameReader.TryReadFrame(ref buffer, FrameMax, out frame))
                {
                    break;
                }
            }
            catch (AmqpProtocolException e)
            {
                // Unframeable input: nothing after it can be trusted, so answer and close at once.
                SendConnectionClose(e.ReplyCode, e.Message, 0);
                buffer = buffer.Slice(buffer.End);
                _finished = true;
                return false;
            }

            if (frame.Type == AmqpFrameType.Method && _isPublisher && Broker.Resources.IsBlocked && !_shutdownRequested && _state != ConnectionState.Closing)
            {
                // A publish in this buffer turned an alarm on (the disk's is raised by the append
                // that would cross the limit): the methods after it wait, unread, until it clears
                // (a message being received is read to its end first).
                buffer = unread;
                stoppedForFlow = true;
                break;
            }

            if (_ioThreadExit.StopBefore(frame.Type == AmqpFrameType.Method && MayBlock(CurrentMethodKey(frame))))
            {
                buffer = unread;
                break;
            }

            _lastReceived = _time.GetTimestamp();
            try
            {
                HandleFrame(frame);
            }
            catch (AmqpProtocolException e)
            {
                OnError(frame.Channel, e.ReplyCode, e.Message, CurrentMethodKey(frame));
            }
            catch (BrokerException e)
            {
                OnError(frame.Channel, AmqpReplies.CodeOf(e.Error), e.Message, CurrentMethodKey(frame));
            }
        }

        if (_state == ConnectionState.Open)
        {
            foreach (var channel in _channels.Values)
            {
                channel.AfterBatch();
            }
        }

        return stoppedForFlow;
    }

    /// <summary>
    /// Methods whose handling may block or run long: the connection class (a password hash at
    /// start-ok; the exclusive queues deleted at close), the channel class (its queues deleted at
    /// close), exchange and queue methods (a durable change saves the definitions with an fsync), and
    /// basic.consume (a backlog read back from the journal). Not the per-message methods.
    /// </summary>
    private static bool MayBlock(uint key) =>
        (key >> 16) is ConnectionClassId or ChannelClassId or ExchangeClassId or QueueClassId || key == BasicConsume.Key;

    private const uint ConnectionClassId = 10;
    private const uint ChannelClassId = 20;
    private const uint ExchangeClassId = 40;
    private const uint QueueClassId = 50;

    private static uint CurrentMethodKey(in AmqpFrame frame)
    {
        // Content frames only ever belong to a publish, which is what an error in them reports.
        if (frame.Type is AmqpFrameType.Header or AmqpFrameType.Body)
        {
            return BasicPublish.Key;
        }

        if (frame.Type != AmqpFrameType.Method || frame.Payload.Length < 4)
        {
            return 0;
        }

        Span<byte> ids = stackalloc byte[4];
        frame.Payload.Slice(0, 4).CopyTo(ids);
        return AmqpFrameReader.ReadMethodKey(ids);
    }

    private void OnError(ushort channelId, ushort code, string message, uint failingMethod)
    {
        if (channelId != 0 && !AmqpProtocolException.IsHard(code) && _channels.TryGetValue(channelId, out var channel))
        {
            AmqpLog.ChannelError(_logger, Name, channelId, code, message);
            channel.CloseWithError(code, message, failingMethod);
            return;
        }

        CloseConnection(code, message, failingMethod);
    }

    private void HandleFrame(in AmqpFrame frame)
    {
        if (_state == ConnectionState.Closing)
        {
            HandleFrameWhileClosing(frame);
            return;
        }

        switch (frame.Type)
        {
            case AmqpFrameType.Heartbeat:
                if (frame.Channel != 0)
                {
                    throw new AmqpProtocolException(AmqpConstants.FrameError, $"heartbeat frame on channel {frame.Channel}");
                }

                return;
            case AmqpFrameType.Method:
                HandleMethodFrame(frame);
                return;
            default:
                HandleContentFrame(frame);
                return;
        }
    }

    private void HandleMethodFrame(in AmqpFrame frame)
    {
        byte[]? rented = null;
        try
        {
            var payload = frame.Payload;
            ReadOnlySpan<byte> span;
            if (payload.IsSingleSegment)
            {
                span = payload.FirstSpan;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
                payload.CopyTo(rented);
                span = rented.AsSpan(0, (int)payload.Length);
            }

            var key = AmqpFrameReader.ReadMethodKey(span);
            var reader = new AmqpReader(span[4..], _strings);
            if (frame.Channel == 0)
            {
                HandleConnectionMethod(key, ref reader);
            }
            else
            {
                HandleChannelMethod(frame.Channel, key, ref reader);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void HandleChannelMethod(ushort channelId, uint key, ref AmqpReader reader)
    {
        if (_state != ConnectionState.Open)
        {
            throw new AmqpProtocolException(AmqpConstants.CommandInvalid, $"frame on channel {channelId} before connection.open");
        }

        if (!_channels.TryGetValue(channelId, out var channel))
        {
            if (key != ChannelOpen.Key)
            {
                throw new AmqpProtocolException(AmqpConstants.ChannelError, $"expected 'channel.open' on channel {channelId}");
            }

            if (channelId > _channelMax)
            {
                throw new AmqpProtocolException(AmqpConstants.NotAllowed, $"channel id {channelId} above the negotiated channel_max {_channelMax}");
            }

            _ = ChannelOpen.Read(ref reader);
            TakeChannelSlot();
            lock (_channels)
            {
                _channels.Add(channelId, new AmqpChannel(this, channelId));
            }

            Outbound.WriteMethod(channelId, new ChannelOpenOk());
            return;
        }

        if (channel.IsClosing)
        {
            // After the server closed a channel only the close handshake counts; the rest is dropped.
            if (key == ChannelCloseOk.Key)
            {
                RemoveChannel(channelId);
            }
            else if (key == ChannelClose.Key)
            {
                Outbound.WriteMethod(channelId, new ChannelCloseOk());
            }

            return;
        }

        if (channel.ExpectsContent)
        {
            throw new AmqpProtocolException(AmqpConstants.UnexpectedFrame, $"expected content frames for basic.publish on channel {channelId}, got a method frame");
        }

        if (key == ChannelClose.Key)
        {
            _ = ChannelClose.Read(ref reader);
            channel.OnClientClose();
            RemoveChannel(channelId);
            return;
        }

        if (key == ChannelCloseOk.Key)
        {
            return;
        }

        channel.HandleMethod(key, ref reader);
    }

    private void HandleContentFrame(in AmqpFrame frame)
    {
        if (frame.Channel == 0 || _state != ConnectionState.Open)
        {
            throw new AmqpProtocolException(AmqpConstants.UnexpectedFrame, $"content frame on channel {frame.Channel} outside a publish");
        }

        if (!_channels.TryGetValue(frame.Channel, out var channel))
        {
            throw new AmqpProtocolException(AmqpConstants.ChannelError, $"content frame on channel {frame.Channel}, which is not open");
        }

        if (channel.IsClosing)
        {
            return;
        }

        if (frame.Type == AmqpFrameType.Header)
        {
            if (!channel.ExpectsContentHeader)
            {
                throw new AmqpProtocolException(AmqpConstants.UnexpectedFrame, $"content header on channel {frame.Channel} without basic.publish");
            }

            channel.OnContentHeader(frame.Payload);
        }
        else
        {
            if (!channel.ExpectsContent || channel.ExpectsContentHeader)
            {
                throw new AmqpProtocolException(AmqpConstants.UnexpectedFrame, $"content body on channel {frame.Channel} without a content header");
            }

            channel.OnContentBody(frame.Payload);
        }
    }

    private void HandleFrameWhileClosing(in AmqpFrame frame)
    {
        if (frame.Type != AmqpFrameType.Method || frame.Channel != 0)
        {
            return;
        }

        Span<byte> ids = stackalloc byte[4];
        if (frame.Payload.Length < 4)
        {
            return;
        }

        frame.Payload.Slice(0, 4).CopyTo(ids);
        var key = AmqpFrameReader.ReadMethodKey(ids);
        if (key == ConnectionCloseOk.Key)
        {
            _finished = true;
        }
        else if (key == ConnectionClose.Key)
        {
            AnswerClientClose();
        }
    }

    private enum ConnectionState
    {
        AwaitingProtocolHeader,
        AwaitingStartOk,
        AwaitingTuneOk,
        AwaitingOpen,
        Open,
        Closing,
    }
}
