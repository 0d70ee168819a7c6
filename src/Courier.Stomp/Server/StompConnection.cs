using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Courier.Core;
using Courier.Core.Concurrency;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.Sessions;
using Courier.Core.VirtualHosts;
using Courier.Stomp.Frames;
using Microsoft.Extensions.Logging;

namespace Courier.Stomp.Server;

/// <summary>
/// One client connection speaking STOMP 1.0, 1.1 or 1.2: CONNECT, the frame loop, heart-beats,
/// errors and the end of the connection. SEND, receipts and transactions are in
/// <c>StompConnection.Send.cs</c> and <c>StompConnection.Transactions.cs</c>, subscriptions and
/// deliveries in <c>StompConnection.Subscribe.cs</c>, ACK and NACK in <c>StompConnection.Ack.cs</c>.
/// </summary>
/// <remarks>
/// <para>One reader loop owns the connection's protocol state and handles frames in order. Other
/// threads reach it only by cancelling the pending read (shutdown, the core's close) or by aborting
/// the transport (heart-beat missed, connect timeout). Queues deliver to the subscriptions on their
/// own threads under <see cref="_deliveryGate"/>; the store's committer writes receipts through
/// <see cref="Core.Storage.DurableReleases{T}"/>. Frames go out through <see cref="Outbound"/>, which
/// any thread may write to.</para>
/// <para>Errors: a malformed frame, a protocol violation or a refusal of the broker's (access, a
/// missing queue, an inequivalent declaration) is answered with an ERROR frame whose <c>message</c>
/// header says why (with <c>receipt-id</c> when the frame asked for a receipt), and the connection is
/// closed, as 1.2 says; nothing after it is read, and no other connection is touched.</para>
/// </remarks>
internal sealed partial class StompConnection : IClientSessionControl
{
    // Until CONNECT the timer checks the CONNECT deadline this often; then it is re-armed for each heart-beat deadline.
    private static readonly TimeSpan CheckPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LingerLimit = TimeSpan.FromSeconds(2);
    private readonly IDuplexPipe _transport;
    private readonly StompOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Action _abortTransport;
    private readonly StompFrameReader _reader;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _shutdownSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StompVersion _version = StompVersion.V12;
    private StompHeartBeatIntervals _heartBeats;
    private bool _connectSeen;
    private volatile bool _connected;
    private volatile bool _finished;
    private volatile bool _shutdownRequested;
    private volatile bool _errorWritten;
    private volatile string? _closeReason;
    private long _lastReceived;
    private long _openedAt;
    private ITimer? _timer;

    public StompConnection(
        IDuplexPipe transport,
        EndPoint? remoteEndPoint,
        EndPoint? localEndPoint,
        Broker broker,
        StompOptions options,
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
        _reader = new StompFrameReader(options.Limits);
        Name = $"{remoteEndPoint} -> {localEndPoint}";
        Outbound = new StompOutbound(options.OutboundHighWatermark, time);
        Outbound.Drained += OnOutboundDrained;
    }

    public string Name { get; }

    public EndPoint? RemoteEndPoint { get; }

    public Broker Broker { get; }

    public StompOutbound Outbound { get; }

    public User? User { get; private set; }

    public VirtualHost? VirtualHost { get; private set; }

    /// <summary>This connection as the core knows it, owner of its private queues; set once CONNECT is accepted.</summary>
    public ClientSession? Session { get; private set; }

    /// <summary>Runs the connection until the client or the server closes it.</summary>
    // A frame that may block, read on an epoll thread: handled after the reader moves to the pool.
    private StompFrame? _leavingIoThreadWith;

    public async Task RunAsync(CancellationToken closeRequested)
    {
        StompLog.Accepted(_logger, Name);
        var writer = Outbound.RunAsync(_transport.Output, _lifetime.Token);
        _lastReceived = _openedAt = _time.GetTimestamp();
        _timer = _time.CreateTimer(static s => ((StompConnection)s!).OnTimer(), this, CheckPeriod, CheckPeriod);
        using var registration = closeRequested.Register(static s => ((StompConnection)s!).RequestShutdown(), this);
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Aborted: heart-beat or connect timeout, already logged.
        }
        catch (Exception e) when (IsTransportGone(e))
        {
            // The client went away without DISCONNECT.
        }
        catch (Exception e)
        {
            StompLog.UnexpectedError(_logger, Name, e);
        }
        finally
        {
            // Closing deletes the connection's temporary and auto-delete queues, which may save the definitions.
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
            await PauseIfHeldBackAsync().ConfigureAwait(false);
            var result = await input.ReadAsync(_lifetime.Token).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                if (result.IsCanceled && _shutdownRequested)
                {
                    OnShutdownRequested();
                }
                else
                {
                    Process(ref buffer);
                }
            }
            finally
            {
                if (_leavingIoThreadWith is null)
                {
                    input.AdvanceTo(buffer.Start, result.Buffer.End);
                }
                else
                {
                    // What follows the frame is read again at once, not after more bytes arrive.
                    input.AdvanceTo(buffer.Start);
                }

                Outbound.Traffic.OnRead(result.Buffer.Length, buffer.Length);
            }

            if (_leavingIoThreadWith is { } frame)
            {
                _leavingIoThreadWith = null;
                await IoThread.LeaveAsync();
                HandleOne(frame);
                FlushReceipts();
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
        while (!_finished)
        {
            StompFrame? frame = null;
            try
            {
                var read = _reader.TryRead(ref buffer, _version, out frame);
                if (read == StompReadResult.NeedMore)
                {
                    break;
                }

                Volatile.Write(ref _lastReceived, _time.GetTimestamp());
                if (read == StompReadResult.Frame)
                {
                    if (MayBlock(frame!) && IoThread.MustLeave)
                    {
                        _leavingIoThreadWith = frame;
                        break;
                    }

                    Handle(frame!);
                }
            }
            catch (StompProtocolException e)
            {
                CloseWithError(e.Message, frame?.Receipt);
            }
            catch (BrokerException e)
            {
                CloseWithError(e.Message, frame?.Receipt);
            }

            if (_finished)
            {
                buffer = buffer.Slice(buffer.End);
            }
        }

        FlushReceipts();
    }

    /// <summary>
    /// Frames whose handling may block or run long: CONNECT (a password hash), SUBSCRIBE and
    /// UNSUBSCRIBE (a durable queue declared or deleted saves the definitions with an fsync; a
    /// backlog is read back from the journal). Not the per-message frames.
    /// </summary>
    private static bool MayBlock(StompFrame frame) =>
        frame.Command is StompCommand.Connect or StompCommand.Stomp or StompCommand.Subscribe or StompCommand.Unsubscribe;

    /// <summary>One frame already read, handled as <see cref="Process"/> handles each.</summary>
    private void HandleOne(StompFrame frame)
    {
        try
        {
            Handle(frame);
        }
        catch (StompProtocolException e)
        {
            CloseWithError(e.Message, frame.Receipt);
        }
        catch (BrokerException e)
        {
            CloseWithError(e.Message, frame.Receipt);
        }
    }

    private void Handle(StompFrame frame)
    {
        if (!_connected)
        {
            if (frame.Command is StompCommand.Connect or StompCommand.Stomp && !_connectSeen)
            {
                OnConnect(frame);
                return;
            }

            throw new StompProtocolException($"expected CONNECT or STOMP, got {StompCommands.WireName(frame.Command)}");
        }

        long position = 0;
        switch (frame.Command)
        {
            case StompCommand.Send:
                position = OnSend(frame);
                break;
            case StompCommand.Subscribe:
                OnSubscribe(frame);
                break;
            case StompCommand.Unsubscribe:
                OnUnsubscribe(frame);
                break;
            case StompCommand.Ack:
                OnAck(frame, ack: true);
                break;
            case StompCommand.Nack when _version != StompVersion.V10:
                OnAck(frame, ack: false);
                break;
            case StompCommand.Begin:
                OnBegin(frame);
                break;
            case StompCommand.Commit:
                position = OnCommit(frame);
                break;
            case StompCommand.Abort:
                OnAbort(frame);
                break;
            case StompCommand.Disconnect:
                OnDisconnect(frame);
                return;
            case StompCommand.Connect or StompCommand.Stomp:
                throw new StompProtocolException("already connected");
            default:
                throw new StompProtocolException($"{StompCommands.WireName(frame.Command)} is not a frame a STOMP {_version.ToHeaderValue()} client sends");
        }

        if (frame.Receipt is not null || position == FailedPosition)
        {
            TrackReceipt(new StompReceipt(frame.Receipt, EndsConnection: false), position);
        }

        if (_pendingActivation is { } subscription)
        {
            _pendingActivation = null;
            FlushReceipts();
            Activate(subscription);
        }
    }

    /// <summary>The header a frame must have; its absence is a protocol error.</summary>
    private static string Require(StompFrame frame, string name) =>
        frame[name] ?? throw new StompProtocolException($"{StompCommands.WireName(frame.Command)} frame has no '{name}' header");

    /// <summary>Answers with ERROR (saying why, and to which receipt) and ends the connection.</summary>
    private void CloseWithError(string message, string? receiptId, bool listVersions = false)
    {
        StompLog.ClosedWithError(_logger, Name, message);
        WriteError(message, receiptId, listVersions);
        _finished = true;
    }

    private void WriteError(string message, string? receiptId, bool listVersions = false)
    {
        var headers = new List<StompHeader>(4)
        {
            new(StompHeaderNames.Message, OneLine(message)),
            new(StompHeaderNames.ContentType, "text/plain"),
        };
        if (receiptId is not null)
        {
            headers.Add(new(StompHeaderNames.ReceiptId, receiptId));
        }

        if (listVersions)
        {
            headers.Add(new(StompHeaderNames.Version, StompVersions.Supported));
        }

        _errorWritten = true;
        try
        {
            Outbound.Write(new StompFrame(StompCommand.Error, headers, Encoding.UTF8.GetBytes(message)));
        }
        catch (ArgumentException)
        {
            // A receipt id 1.0 cannot carry back: the ERROR goes without it.
            Outbound.Write(new StompFrame(StompCommand.Error, headers[..2], Encoding.UTF8.GetBytes(message)));
        }
    }

    private static string OneLine(string message) => message.Replace('\n', ' ').Replace('\r', ' ').Replace('\0', ' ');

    private void OnDisconnect(StompFrame frame)
    {
        // The receipt comes after every earlier one (a persistent SEND's waits for the disk); then the connection ends.
        if (frame.Receipt is { } receipt)
        {
            _disconnectReceipt = true;
            TrackReceipt(new StompReceipt(receipt, EndsConnection: true), 0);
        }

        _finished = true;
    }

    /// <summary>The CONNECT deadline (once a second until CONNECT), then heart-beats: sending ours, and checking the client's.</summary>
    private void OnTimer()
    {
        var now = _time.GetTimestamp();
        if (!_connected)
        {
            if (!_connectSeen && _time.GetElapsedTime(_openedAt, now) >= _options.ConnectTimeout)
            {
                StompLog.ConnectTimeout(_logger, Name, _options.ConnectTimeout);
                Abort();
            }

            return;
        }

        var next = Timeout.InfiniteTimeSpan;
        var send = _heartBeats.ServerToClient;
        if (send > TimeSpan.Zero)
        {
            var idle = _time.GetElapsedTime(Outbound.LastWrite, now);
            if (idle >= send)
            {
                Outbound.WriteHeartBeat();
                idle = TimeSpan.Zero;
            }

            next = send - idle;
        }

        var receive = _heartBeats.ClientToServer;
        if (receive > TimeSpan.Zero)
        {
            var limit = receive * _options.HeartBeatGrace;
            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastReceived), now);
            if (_readPaused)
            {
                // Reading is held back (an alarm, queue flow): silence is ours, not the client's.
                silent = TimeSpan.Zero;
            }
            else if (silent > limit)
            {
                StompLog.HeartBeatMissed(_logger, Name, silent.TotalSeconds);
                Abort();
                return;
            }

            next = next == Timeout.InfiniteTimeSpan || limit - silent < next ? limit - silent : next;
        }

        Rearm(next == Timeout.InfiniteTimeSpan ? next : next + TimeSpan.FromMilliseconds(1));
    }

    private void Rearm(TimeSpan due)
    {
        try
        {
            _timer?.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection ended while the callback ran.
        }
    }

    /// <summary>The core asks this connection to go (vhost deleted, access revoked): an ERROR says why.</summary>
    void IClientSessionControl.Close(string reason)
    {
        _closeReason = reason;
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
        if (_connected && !_errorWritten)
        {
            WriteError(_closeReason ?? "the broker is shutting down", receiptId: null);
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
        Interlocked.Exchange(ref _lease, null)?.Dispose();

        if (_connected)
        {
            EndSubscriptions();
        }

        _connected = false;
        if (Session is { } session)
        {
            VirtualHost!.ReleaseOwner(session);
        }

        if (_disconnectReceipt)
        {
            try
            {
                await _disconnectReleased.Task.WaitAsync(TimeSpan.FromSeconds(5), _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The store did not answer in time: the client gets no receipt and learns by the close.
            }
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

        await _transport.Output.CompleteAsync().ConfigureAwait(false);
        if (_errorWritten)
        {
            await LingerAsync().ConfigureAwait(false);
        }

        await _transport.Input.CompleteAsync().ConfigureAwait(false);
        StompLog.Closed(_logger, Name);
        _lifetime.Dispose();
    }

    /// <summary>
    /// After an ERROR, reads (and drops) what the client still sends until it closes, for a bounded
    /// time: closing with unread input would reset the socket and could cost the client the ERROR.
    /// </summary>
    private async Task LingerAsync()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        var input = _transport.Input;
        try
        {
            using var limit = new CancellationTokenSource(LingerLimit, _time);
            while (true)
            {
                var result = await input.ReadAsync(limit.Token).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || IsTransportGone(e) || e is InvalidOperationException)
        {
            // Silent, gone, or the reader was already completed: close now.
        }
    }

    private void Authorize(AccessKind kind, string resourceKind, string name) => Broker.Authorize(User!, VirtualHost!, kind, resourceKind, name);
}
