using Courier.Amqp091.Channels;
using Courier.Amqp091.Framing;
using Courier.Core.Sessions;

namespace Courier.Amqp091.Connections;

/// <summary>Closing, shutdown, aborts, resource alarms and the end of a connection.</summary>
internal sealed partial class AmqpConnection
{
    /// <summary>Sends connection.close, releases every channel, and waits (bounded) for close-ok.</summary>
    private void CloseConnection(ushort code, string message, uint failingMethod)
    {
        if (_state == ConnectionState.Closing)
        {
            return;
        }

        if (code != AmqpConstants.ConnectionForced)
        {
            AmqpLog.ClosedWithError(_logger, Name, code, message);
        }

        SendConnectionClose(code, message, failingMethod);
        ReleaseChannels();
        _state = ConnectionState.Closing;
        _closingSince = _time.GetTimestamp();

        // The deadline is kept to the tick, not rounded up to the next of the once-a-second checks.
        _timer?.Change(_options.CloseTimeout, TimerPeriod);
    }

    /// <summary>Answers the client's connection.close; the socket closes once the client's input is drained.</summary>
    private void AnswerClientClose()
    {
        Outbound.WriteMethod(0, new ConnectionCloseOk());
        _finished = true;
        _lingerOnClose = true;
    }

    /// <summary>
    /// Reads and drops what the client sends after its connection.close until it closes its side,
    /// <see cref="AmqpOptions.CloseLinger"/> passes, <see cref="AmqpOptions.CloseLingerBytes"/> are
    /// dropped, or the broker shuts down. Closing a socket with unread input makes the kernel send a
    /// reset instead of a FIN, and the client may then lose the close-ok it has not read yet (as
    /// RabbitMQ's reader does, the connection stays open, ignoring frames, until the client goes).
    /// </summary>
    private async Task DrainInputAsync()
    {
        var input = _transport.Input;
        using var linger = new CancellationTokenSource(_options.CloseLinger, _time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(linger.Token, _lifetime.Token);
        long dropped = 0;
        try
        {
            while (dropped <= _options.CloseLingerBytes)
            {
                var result = await input.ReadAsync(stop.Token).ConfigureAwait(false);
                dropped += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException || IsTransportGone(e))
        {
            // The linger ran out or the client went away: either way the socket can close now.
        }
    }

    private static bool IsTransportGone(Exception e) =>
        e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private void SendConnectionClose(ushort code, string message, uint failingMethod)
    {
        Outbound.WriteMethod(0, new ConnectionClose
        {
            ReplyCode = code,
            ReplyText = AmqpReplies.Text(code, message),
            FailingClassId = (ushort)(failingMethod >> 16),
            FailingMethodId = (ushort)(failingMethod & 0xFFFF),
        });
    }

    private void RemoveChannel(ushort channelId)
    {
        bool removed;
        lock (_channels)
        {
            removed = _channels.Remove(channelId);
        }

        if (removed)
        {
            ReleaseChannelSlot();
        }
    }

    private void ReleaseChannels()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Release();
        }
    }

    /// <summary>The core asks this connection to go: it closes with 320 and the reason, as on shutdown.</summary>
    void IClientSessionControl.Close(string reason)
    {
        if (_finished)
        {
            // Ended already (its owned queues are being released): nothing is left to close.
            return;
        }

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
        if (_state == ConnectionState.Open)
        {
            CloseConnection(AmqpConstants.ConnectionForced, $"broker forced connection closure with reason '{_closeReason ?? "shutdown"}'", 0);
        }
        else if (_state != ConnectionState.Closing)
        {
            _finished = true;
        }
    }

    private void OnOutboundDrained()
    {
        // Runs on the writer loop. Channels are only added and removed by the reader, so take a
        // snapshot under the dictionary's own consistency (a missed new channel has no consumers yet).
        AmqpChannel[] channels;
        lock (_channels)
        {
            channels = [.. _channels.Values];
        }

        foreach (var channel in channels)
        {
            channel.RedispatchConsumers();
        }
    }

    internal void Abort()
    {
        if (!_lifetime.IsCancellationRequested)
        {
            _lifetime.Cancel();
            _abortTransport();
        }
    }

    /// <summary>
    /// Called by a channel when a publish reached a queue whose consumers are behind: the
    /// connection stops handling frames after this one and reads nothing more until the queue is
    /// released, or <see cref="AmqpOptions.FlowPauseLimit"/> passes.
    /// </summary>
    internal void PauseForFlow(Core.Queues.IQueue queue) => _flowLimitedBy ??= queue;

    /// <summary>
    /// Reads nothing until <paramref name="until"/> completes or <paramref name="limit"/> passes
    /// (false then); missed heartbeats do not count meanwhile.
    /// </summary>
    private async Task<bool> PauseReadingAsync(Task until, TimeSpan limit)
    {
        _readPaused = true;
        try
        {
            await Task.WhenAny(until, _shutdownSignal.Task).WaitAsync(limit, _lifetime.Token).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            _readPaused = false;
            Volatile.Write(ref _lastReceived, _time.GetTimestamp());
        }
    }

    /// <summary>Called by a channel on basic.publish: this connection is blocked while an alarm is on.</summary>
    internal void MarkPublisher() => _isPublisher = true;

    /// <summary>Tells a client that understands it when publishing is blocked or unblocked.</summary>
    private void OnAlarmChanged(Core.Resources.ResourceAlarm _)
    {
        lock (Outbound)
        {
            if (_state != ConnectionState.Open || !ClientCapabilities.ConnectionBlocked)
            {
                return;
            }

            // Several changes can race here; send what is true now, once. As in RabbitMQ, only a
            // connection that publishes is told it is blocked.
            var alarm = Broker.Resources.Alarm;
            if (alarm.IsBlocked == _sentBlocked || (alarm.IsBlocked && !_isPublisher))
            {
                return;
            }

            _sentBlocked = alarm.IsBlocked;
            if (alarm.IsBlocked)
            {
                Outbound.WriteMethod(0, new ConnectionBlocked { Reason = alarm.Reason });
            }
            else
            {
                Outbound.WriteMethod(0, new ConnectionUnblocked());
            }
        }
    }

    private async Task FinishAsync(Task writer)
    {
        Broker.Resources.Changed -= OnAlarmChanged;
        _finished = true;
        _timer?.Dispose();
        ReleaseChannels();
        if (Session is { } session)
        {
            VirtualHost!.ReleaseOwner(session);
        }

        ReleaseConnectionSlot();

        if (_lingerOnClose)
        {
            await DrainInputAsync().ConfigureAwait(false);
        }

        Outbound.Complete();
        try
        {
            await writer.WaitAsync(_options.CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is going away; whatever was queued for it is moot.
        }

        await _transport.Output.CompleteAsync().ConfigureAwait(false);
        await _transport.Input.CompleteAsync().ConfigureAwait(false);
        AmqpLog.Closed(_logger, Name);
        _lifetime.Dispose();
    }
}
