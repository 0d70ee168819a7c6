using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Courier.Core;
using Courier.Core.Concurrency;
using Courier.Core.Security;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;
using Courier.Mqtt.Packets;
using Microsoft.Extensions.Logging;

namespace Courier.Mqtt.Server;

/// <summary>
/// One client connection speaking MQTT 3.1, 3.1.1 or 5.0: CONNECT, the packet loop, keep-alive,
/// take-over and the end of the connection. Publishing is in <c>MqttConnection.Publish.cs</c>,
/// subscriptions and deliveries in <c>MqttConnection.Subscribe.cs</c>.
/// </summary>
/// <remarks>
/// <para>One reader loop owns the connection's protocol state and handles packets in order. Other
/// threads reach it only by cancelling the pending read (shutdown, take-over, the core's close) or
/// by aborting the transport (keep-alive, connect timeout). Queues deliver to the subscriptions on
/// their own threads under <see cref="_deliveryGate"/>; the store's committer writes PUBACKs under
/// the acknowledgement gate. Packets go out through <see cref="Outbound"/>, which any thread may
/// write to.</para>
/// <para>Errors: a malformed packet or a protocol violation is answered with DISCONNECT and its
/// reason code in 5.0 (CONNACK if it came before the connection was accepted) and by closing the
/// socket in 3.1 and 3.1.1, which have no way to say why. Nothing after it is read.</para>
/// </remarks>
internal sealed partial class MqttConnection : IClientSessionControl
{
    // Until CONNECT is answered the timer checks the CONNECT deadline this often; then it is re-armed for each keep-alive deadline.
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(1);
    private readonly IDuplexPipe _transport;
    private readonly MqttOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action _abortTransport;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Completed by RequestShutdown: a reader paused by an alarm or by flow stops pausing and reads the
    // cancelled read (a paused reader never sees CancelPendingRead otherwise, so shutdown and
    // take-over would wait for the alarm to clear).
    private readonly TaskCompletionSource _shutdownSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MqttClientRegistry _registry;
    private MqttProtocolVersion _version = MqttProtocolVersion.V311;
    private MqttConnect? _pendingConnect;

    // Processing stops before a SUBSCRIBE or UNSUBSCRIBE on an epoll thread, to continue on the pool.
    private IoThreadExit _ioThreadExit;
    private bool _connectSeen;
    private volatile bool _connected;
    private volatile bool _finished;
    private volatile bool _shutdownRequested;
    private volatile bool _takenOver;
    private volatile string? _closeReason;
    private bool _registered;
    private ushort _keepAlive;
    private long _lastReceived;
    private long _connectedAt;
    private ITimer? _timer;

    /// <summary>The CN of the client's verified TLS certificate, if it sent one; the user of a CONNECT without a username when <see cref="MqttOptions.CertificateLogin"/> is on.</summary>
    public string? CertificateUser { get; init; }

    public MqttConnection(
        IDuplexPipe transport,
        EndPoint? remoteEndPoint,
        EndPoint? localEndPoint,
        Broker broker,
        MqttOptions options,
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
        _registry = MqttClientRegistry.For(broker);
        Name = $"{remoteEndPoint} -> {localEndPoint}";
        Outbound = new MqttOutbound(options.OutboundHighWatermark);
        Outbound.Drained += OnOutboundDrained;
    }

    public string Name { get; }

    public EndPoint? RemoteEndPoint { get; }

    public Broker Broker { get; }

    public MqttOutbound Outbound { get; }

    public string ClientId { get; private set; } = string.Empty;

    public User? User { get; private set; }

    public VirtualHost? VirtualHost { get; private set; }

    /// <summary>This connection as the core knows it, owner of its subscription queues; set once CONNECT is accepted.</summary>
    public ClientSession? Session { get; private set; }

    /// <summary>Completes once the connection has ended and released what it owned (a take-over waits for it).</summary>
    public Task Ended => _ended.Task;

    private bool IsV5 => _version == MqttProtocolVersion.V500;

    /// <summary>Runs the connection until the client or the server closes it.</summary>
    public async Task RunAsync(CancellationToken closeRequested)
    {
        MqttLog.Accepted(_logger, Name);
        var writer = Outbound.RunAsync(_transport.Output, _lifetime.Token);
        _lastReceived = _connectedAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(static s => ((MqttConnection)s!).OnTimer(), this, CheckPeriod, CheckPeriod);
        using var registration = closeRequested.Register(static s => ((MqttConnection)s!).RequestShutdown(), this);
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Aborted: keep-alive or connect timeout, already logged.
        }
        catch (Exception e) when (IsTransportGone(e))
        {
            // The client went away without DISCONNECT.
        }
        catch (Exception e)
        {
            MqttLog.UnexpectedError(_logger, Name, e);
        }
        finally
        {
            // Closing publishes the will and may delete a session's queue, saving the definitions.
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
            if (_isPublisher && Broker.Resources.IsBlocked)
            {
                // A resource alarm (memory, disk) is on: a publishing connection reads nothing until
                // it clears, so its publishes wait in the client and the socket, as AMQP's do.
                await PauseReadingAsync(Broker.Resources.WaitUntilClearAsync(_lifetime.Token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            }

            if (_flowLimitedBy is { } queue)
            {
                // A publish reached a queue whose consumers are behind: pause, bounded, as AMQP does.
                _flowLimitedBy = null;
                await PauseReadingAsync(queue.WhenFlowReleased(), _options.FlowPauseLimit).ConfigureAwait(false);
            }

            var waitStarted = Stopwatch.GetTimestamp();
            var result = await input.ReadAsync(_lifetime.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (result.IsCanceled && _shutdownRequested)
                {
                    // What is still buffered is not handled: a publisher held back by an alarm
                    // stays held (its QoS 1/2 publishes unacknowledged, sent again on reconnect).
                    OnShutdownRequested();
                }
                else
                {
                    ProcessRead(ref buffer, waitStarted);
                }
            }
            finally
            {
                // Stopped at a CONNECT (which is handled asynchronously): what follows it is whole
                // packets or a part, read again at once rather than after more bytes arrive.
                if (_pendingConnect is not null || _ioThreadExit.Leaving)
                {
                    input.AdvanceTo(buffer.Start);
                }
                else
                {
                    input.AdvanceTo(buffer.Start, result.Buffer.End);
                }

                Outbound.Traffic.OnRead(result.Buffer.Length, buffer.Length);
            }

            if (_pendingConnect is { } connect)
            {
                _pendingConnect = null;
                if (IoThread.MustLeave)
                {
                    // A password hash, a session taken over, a persistent session's durable queue.
                    await IoThread.LeaveAsync();
                }

                await OnConnectAsync(connect).ConfigureAwait(false);
                continue;
            }

            if (_ioThreadExit.TakeLeave())
            {
                // The packet that may block is read again, at once, on a pool thread.
                await IoThread.LeaveAsync();
                continue;
            }

            if (result.IsCompleted)
            {
                break;
            }
        }
    }

    private void Process(ref ReadOnlySequence<byte> buffer)
    {
        while (!_finished && _pendingConnect is null)
        {
            MqttPacket? packet;
            var unread = buffer;
            try
            {
                if (!MqttPacketReader.TryRead(ref buffer, _version, _options.MaximumPacketSize, out packet))
                {
                    break;
                }

                if (_ioThreadExit.StopBefore(MayBlock(packet)))
                {
                    buffer = unread;
                    break;
                }

                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                Handle(packet);
            }
            catch (MqttProtocolException e)
            {
                CloseWithError(e.ReasonCode, e.Message);
            }
            catch (BrokerException e)
            {
                CloseWithError(ReasonOf(e.Error), e.Message);
            }

            if (_finished)
            {
                buffer = buffer.Slice(buffer.End);
            }
        }

        FlushAcknowledgements();
    }

    /// <summary>
    /// Packets whose handling may block or run long: a subscription of a persistent session binds
    /// its durable queue (the definitions saved with an fsync) and delivers retained messages, read
    /// from the retained store; an unsubscribe unbinds. Not the per-message packets.
    /// </summary>
    private static bool MayBlock(MqttPacket packet) => packet is MqttSubscribe or MqttUnsubscribe;

    private void Handle(MqttPacket packet)
    {
        if (!_connected)
        {
            if (packet is MqttConnect connect && !_connectSeen)
            {
                _connectSeen = true;
                _pendingConnect = connect;
                return;
            }

            // The first packet must be CONNECT (3.1.1 MQTT-3.1.0-1, 5.0 3.1): close without a word.
            throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"expected CONNECT, got {packet.Type}");
        }

        switch (packet)
        {
            case MqttPublish publish:
                OnPublish(publish);
                return;
            case MqttPubAck ack:
                OnPubAck(ack);
                return;
            case MqttPubRel release:
                OnPubRel(release);
                return;
            case MqttPubRec received:
                OnPubRec(received);
                return;
            case MqttPubComp completed:
                OnPubComp(completed);
                return;
            case MqttSubscribe subscribe:
                OnSubscribe(subscribe);
                return;
            case MqttUnsubscribe unsubscribe:
                OnUnsubscribe(unsubscribe);
                return;
            case MqttPingReq:
                Outbound.Write(MqttPingResp.Instance);
                return;
            case MqttDisconnect disconnect:
                OnDisconnect(disconnect);
                return;
            default:
                // A second CONNECT, AUTH without an authentication method, or a packet only a server sends.
                throw new MqttProtocolException(MqttReasonCode.ProtocolError, $"unexpected {packet.Type}");
        }
    }

    /// <summary>The reason code a core error is answered with (the same errors AMQP maps to reply codes in <c>AmqpReplies.CodeOf</c>).</summary>
    private static byte ReasonOf(BrokerError error) => error switch
    {
        BrokerError.AccessRefused => MqttServerReason.NotAuthorized,
        BrokerError.NotAllowed => MqttServerReason.NotAuthorized,
        BrokerError.ResourceLocked => MqttServerReason.ImplementationSpecificError,
        _ => MqttServerReason.UnspecifiedError,
    };

    /// <summary>Ends the connection for a fault of the client's or the broker's: v5 says why, 3.1.1 can only close.</summary>
    private void CloseWithError(byte reasonCode, string message)
    {
        MqttLog.ClosedWithError(_logger, Name, reasonCode, message);
        if (!_connected)
        {
            // Before CONNECT was accepted only a CONNACK may answer: 3.1.1 has a code for an
            // unsupported protocol level alone; anything else closes the socket.
            if (reasonCode == MqttReasonCode.UnsupportedProtocolVersion)
            {
                Outbound.Version = MqttProtocolVersion.V311;
                Outbound.Write(new MqttConnAck { ReasonCode = MqttServerReason.V3UnacceptableProtocolVersion });
            }
        }
        else if (IsV5)
        {
            Outbound.Write(new MqttDisconnect { ReasonCode = reasonCode, Properties = new MqttProperties { ReasonString = Truncate(message) } });
            _lingerAfterDisconnect = true;
        }

        _finished = true;
    }

    private static string Truncate(string message) => message.Length <= 256 ? message : message[..256];

    private void OnDisconnect(MqttDisconnect disconnect)
    {
        ChangeSessionExpiry(disconnect);
        // 0x04 (Disconnect with Will Message) asks for the will as if the connection had failed.
        _disconnectedCleanly = disconnect.ReasonCode != MqttServerReason.DisconnectWithWill;
        _finished = true;
    }

    /// <summary>The CONNECT deadline (once a second until CONNECT), then keep-alive at 1.5 times the client's interval.</summary>
    private void OnTimer()
    {
        var now = _time.GetTimestamp();
        if (!_connected)
        {
            if (!_connectSeen && _time.GetElapsedTime(_connectedAt, now) >= _options.ConnectTimeout)
            {
                MqttLog.ConnectTimeout(_logger, Name, _options.ConnectTimeout);
                Abort();
            }

            return;
        }

        // Connected: the timer fires only when the keep-alive could have run out (an idle
        // connection with a 60 s keep-alive costs a callback every 90 s, not every second), and
        // not at all without a keep-alive.
        if (_keepAlive == 0)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        if (_readPaused)
        {
            // Reading is held back (an alarm, queue flow): silence is ours, not the client's.
            _timer?.Change(CheckPeriod, Timeout.InfiniteTimeSpan);
            return;
        }

        var limit = TimeSpan.FromMilliseconds(_keepAlive * 1500.0);
        var silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived), now);
        if (silent > limit)
        {
            MqttLog.KeepAliveExpired(_logger, Name, silent.TotalSeconds);
            Abort();
            return;
        }

        _timer?.Change(limit - silent + TimeSpan.FromMilliseconds(1), Timeout.InfiniteTimeSpan);
    }

    /// <summary>The core asks this connection to go (vhost deleted, access revoked): v5 says so with DISCONNECT.</summary>
    void IClientSessionControl.Close(string reason)
    {
        _closeReason = reason;
        RequestShutdown();
    }

    /// <summary>A new connection with this client id arrived: this one ends (v5: DISCONNECT 0x8E).</summary>
    public void TakeOver()
    {
        _takenOver = true;
        RequestShutdown();
    }

    private void RequestShutdown()
    {
        _shutdownRequested = true;
        _shutdownSignal.TrySetResult();
        _transport.Input.CancelPendingRead();
    }

    private void OnShutdownRequested()
    {
        if (_takenOver)
        {
            MqttLog.TakenOver(_logger, Name, ClientId);
        }

        if (_connected && IsV5)
        {
            var code = _takenOver ? MqttServerReason.SessionTakenOver : MqttServerReason.ServerShuttingDown;
            var reason = _takenOver ? "another connection uses this client id" : _closeReason ?? "the broker is shutting down";
            Outbound.Write(new MqttDisconnect { ReasonCode = code, Properties = new MqttProperties { ReasonString = reason } });
        }

        _finished = true;
    }

    /// <summary>Closes the socket at once; any thread may call it, also after the connection has ended.</summary>
    private void Abort()
    {
        if (_ended.Task.IsCompleted || _lifetime.IsCancellationRequested)
        {
            return;
        }

        try
        {
            _lifetime.Cancel();
            _abortTransport();
        }
        catch (ObjectDisposedException)
        {
            // It ended meanwhile.
        }
    }

    private static bool IsTransportGone(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private async Task FinishAsync(Task writer)
    {
        _finished = true;
        _timer?.Dispose();
        ReleaseConnectionSlot();
        if (_connected)
        {
            EndSession();
        }

        if (_connected && !_disconnectedCleanly)
        {
            PublishWill();
        }

        _connected = false;
        if (Session is { } session)
        {
            ReleaseSharedSubscriptions();
            VirtualHost!.ReleaseOwner(session);
        }

        if (_registered)
        {
            _registry.Unregister(VirtualHost!.Name, ClientId, this);
        }

        _ended.TrySetResult();
        Outbound.Complete();
        try
        {
            await writer.WaitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is going away; whatever was queued for it is moot.
        }

        await LingerAfterDisconnectAsync().ConfigureAwait(false);
        await _transport.Output.CompleteAsync().ConfigureAwait(false);
        await _transport.Input.CompleteAsync().ConfigureAwait(false);
        MqttLog.Closed(_logger, Name);
        _lifetime.Dispose();
    }
}
