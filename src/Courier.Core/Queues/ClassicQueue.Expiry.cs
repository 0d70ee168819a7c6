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
/// delivered. A message with TTL 0 reaches only a consumer ready to take it at once.</para>
/// <para>Deadlines are wall-clock milliseconds. The journal does not keep when a message arrived,
/// so after a restart the TTLs of restored messages count from the restart (RabbitMQ keeps the
/// original deadline); docs/amqp.md says so.</para>
/// </remarks>
public sealed partial class ClassicQueue
{
    /// <summary>A restored message whose own expiration is only known once it is read.</summary>
    private const long ExpiryUnresolved = long.MaxValue;

    // True once any message here may expire: until then the delivery path does no expiry work.
    private bool _expiring;
    private ITimer? _expiryTimer;
    private long _expiryArmedFor;
    private long _restoredAt;

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

    /// <summary>The deadline restored messages start with: resolved from each message when it reaches the head.</summary>
    private long RestoredExpiryLocked()
    {
        _restoredAt = NowMs();
        _expiring = true;
        return ExpiryUnresolved;
    }

    private bool IsExpiredLocked(QueuedMessage queued, long now)
    {
        if (queued.ExpiresAt == ExpiryUnresolved)
        {
            queued.ExpiresAt = ExpiryFrom(_restoredAt, queued.Message);
        }

        return queued.ExpiresAt != 0 && now > queued.ExpiresAt;
    }

    /// <summary>Removes expired messages from the head (dead-lettering them); true if it removed any.</summary>
    private bool DropExpiredHeadLocked()
    {
        if (!_expiring)
        {
            return false;
        }

        var now = NowMs();
        var dropped = false;
        while ((_ready.Count > 0 || RefillLocked()) && IsExpiredLocked(_ready.Peek(), now))
        {
            var expired = _ready.Dequeue();
            _readyBytes -= expired.Size;
            AddDeadLocked(expired, DeathReason.Expired);
            dropped = true;
        }

        ArmExpiryLocked();
        return dropped;
    }

    /// <summary>Makes sure the timer fires when the head expires.</summary>
    private void ArmExpiryLocked()
    {
        if (_deleted || _ready.Count == 0 || _ready.Peek().ExpiresAt is 0 or ExpiryUnresolved)
        {
            return;
        }

        var due = _ready.Peek().ExpiresAt + 1;
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
        lock (_gate)
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

        PublishDeadLetters(dead);
    }

    /// <summary>The queue was used (a consumer came or went, a get, a redeclare): <c>x-expires</c> counts again from now.</summary>
    public void MarkUsed()
    {
        lock (_gate)
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
        lock (_gate)
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
