namespace Courier.Core.Queues;

/// <summary>
/// Expiry: message TTL (<c>x-message-ttl</c> and each message's own expiration) and the queue's own
/// (<c>x-expires</c>).
/// </summary>
/// <remarks>
/// <para>As in RabbitMQ, a message's deadline is fixed when it reaches the queue (the shorter of the
/// queue's TTL and its own), expired messages are removed from the head (a timer drops them when
/// nobody consumes), and an expired message is never delivered: the head is checked before every
/// delivery and get, so one behind a longer-lived head is dropped when it reaches the head, not
/// delivered. A message with TTL 0 reaches only a consumer ready to take it at once: after the
/// enqueue's dispatch, a head due now is dropped in the same step (<see cref="DropDueHeadLocked"/>),
/// so no get or later consumer sees it.</para>
/// <para>Deadlines are wall-clock milliseconds. The journal keeps when it took each message, so after
/// a restart a restored message's deadline counts from its original arrival, as RabbitMQ's does
/// (from the restart only for a message a format-2 journal holds, which did not record it). A
/// restored entry carries its arrival, negated, in place of a deadline until it is read
/// (<see cref="UnresolvedExpiry"/>): its own expiration is in the message, not in the entry.</para>
/// </remarks>
public sealed partial class ClassicQueue
{
    // True once any message here may expire: until then the delivery path does no expiry work.
    private bool _expiring;
    private ITimer? _expiryTimer;
    private long _expiryArmedFor;

    private ITimer? _idleTimer;
    private long _lastUsed;

    private long NowMs() => Clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The deadline of a message arriving now (0: none).</summary>
    private long ExpiryOf(Messages.Message message) =>
        Arguments.MessageTtl is null && message.Properties.ExpiryMilliseconds is null ? 0 : ExpiryFrom(NowMs(), message);

    private long ExpiryFrom(long arrived, Messages.Message message)
    {
        var ttl = Arguments.MessageTtl;
        if (message.Properties.ExpiryMilliseconds is { } own && (ttl is null || own < ttl))
        {
            ttl = own;
        }

        if (ttl is not { } milliseconds)
        {
            return 0;
        }

        _expiring = true;
        return arrived + milliseconds;
    }

    /// <summary>The time restored messages whose arrival the journal did not record count from: now.</summary>
    private long RestoredExpiryLocked()
    {
        _expiring |= Arguments.MessageTtl is not null;
        return NowMs();
    }

    /// <summary>A restored entry's expiry before it is read: its arrival, negated (arrivals are after 1970).</summary>
    private static long UnresolvedExpiry(long arrived) => -Math.Max(1, arrived);

    /// <summary>
    /// The deadline of a backlog entry as far as it is known without reading the message: a restored
    /// entry's from the queue's TTL and its arrival (its own expiration is applied when it is read).
    /// </summary>
    private long DeadlineOf(in PagedEntry entry) =>
        entry.ExpiresAt >= 0 ? entry.ExpiresAt
        : Arguments.MessageTtl is { } ttl ? -entry.ExpiresAt + ttl
        : 0;

    /// <summary>A restored message was read: its deadline is the shorter of the queue's TTL and its own, from its arrival.</summary>
    private void ResolveRestoredExpiryLocked(QueuedMessage queued)
    {
        if (queued.ExpiresAt < 0)
        {
            queued.ExpiresAt = ExpiryFrom(-queued.ExpiresAt, queued.Message);
        }
    }

    private static bool IsExpired(long expiresAt, long now) => expiresAt != 0 && now > expiresAt;

    /// <summary>Removes expired messages from the head (dead-lettering them); true if it removed any.</summary>
    private bool DropExpiredHeadLocked() => DropExpiredHeadLocked(dueNow: false);

    /// <summary>
    /// After an enqueue's dispatch: also drops a head whose deadline is now (a TTL of 0 nobody took
    /// at once, as RabbitMQ drops it), rather than on the next millisecond's tick.
    /// </summary>
    private void DropDueHeadLocked()
    {
        if (_expiring)
        {
            DropExpiredHeadLocked(dueNow: true);
        }
    }

    private bool DropExpiredHeadLocked(bool dueNow)
    {
        if (!_expiring)
        {
            return false;
        }

        var now = NowMs() + (dueNow ? 1 : 0);
        var dropped = false;
        while (TryPeekHeadLocked(out var expiresAt) && IsExpired(expiresAt, now))
        {
            AddDeadLocked(TakeHeadLocked(), DeathReason.Expired);
            dropped = true;
        }

        ArmExpiryLocked();
        return dropped;
    }

    /// <summary>Makes sure the timer fires when the head expires.</summary>
    private void ArmExpiryLocked()
    {
        if (!TryPeekHeadLocked(out var head))
        {
            return;
        }

        if (_deleted || head == 0)
        {
            return;
        }

        var due = head + 1;
        if (_expiryArmedFor != 0 && _expiryArmedFor <= due)
        {
            return;
        }

        _expiryArmedFor = due;
        _expiryTimer ??= Clock.CreateTimer(static state => ((ClassicQueue)state!).OnExpiryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _expiryTimer.Change(TimeSpan.FromMilliseconds(Math.Max(0, due - NowMs())), Timeout.InfiniteTimeSpan);
    }

    private void OnExpiryTimer()
    {
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            _expiryArmedFor = 0;
            if (_deleted)
            {
                return;
            }

            if (DropExpiredHeadLocked())
            {
                UpdateFlowLocked();
            }

            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    /// <summary>The queue was used (a consumer came or went, a get, a redeclare): <c>x-expires</c> counts again from now.</summary>
    public void MarkUsed()
    {
        using (EnterGate())
        {
            MarkUsedLocked();
        }
    }

    private void MarkUsedLocked()
    {
        if (Arguments.Expires is not null)
        {
            _lastUsed = NowMs();
        }
    }

    /// <summary>
    /// Replaces the queue's <c>x-expires</c> (null removes it); the idle time counts again from now.
    /// An MQTT session whose expiry interval changed uses it, as RabbitMQ's plugin updates its queues.
    /// </summary>
    public void ChangeExpires(long? milliseconds)
    {
        using (EnterGate())
        {
            if (_deleted || _declared.Expires == milliseconds)
            {
                return;
            }

            var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, value) in Definition.Arguments)
            {
                arguments[key] = value;
            }

            if (milliseconds is { } expires)
            {
                arguments["x-expires"] = expires;
            }
            else
            {
                arguments.Remove("x-expires");
            }

            Definition = Definition with { Arguments = arguments };
            _declared = _declared with { Expires = milliseconds };
            Arguments = EffectiveArguments();
            RestartExpiryTimerLocked();
        }
    }

    private void RestartExpiryTimerLocked()
    {
        _idleTimer?.Dispose();
        _idleTimer = null;
        StartExpiryTimer();
    }

    private void StartExpiryTimer()
    {
        if (Arguments.Expires is not { } expires || Host is null)
        {
            return;
        }

        _lastUsed = NowMs();
        _idleTimer = Clock.CreateTimer(static state => ((ClassicQueue)state!).OnIdleTimer(), this, TimeSpan.FromMilliseconds(expires), Timeout.InfiniteTimeSpan);
    }

    private void OnIdleTimer()
    {
        var expires = Arguments.Expires!.Value;
        using (EnterGate())
        {
            if (_deleted)
            {
                return;
            }

            var idle = NowMs() - _lastUsed;
            if (_consumers.Count > 0 || idle < expires)
            {
                _idleTimer?.Change(TimeSpan.FromMilliseconds(_consumers.Count > 0 ? expires : expires - idle), Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Host!.DeleteExpired(this);
    }

    private void StopTimersLocked()
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _idleTimer?.Dispose();
        _idleTimer = null;
    }
}
