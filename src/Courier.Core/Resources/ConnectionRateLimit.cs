namespace Courier.Core.Resources;

/// <summary>
/// The node's limit on new client connections per second (<c>--max-connection-rate</c>), every
/// protocol together: a token bucket holding at most one second's worth of opens, refilled
/// continuously at <see cref="PerSecond"/> tokens a second. Each connection that is about to open
/// (authenticated, vhost chosen) takes a token; one that finds none is refused with the
/// protocol's error and counted in <see cref="Refused"/>. RabbitMQ has no such limit built in.
/// </summary>
public sealed class ConnectionRateLimit(int perSecond, TimeProvider time)
{
    private readonly Lock _gate = new();
    private double _tokens = perSecond;
    private long _refilledAt = time.GetTimestamp();
    private long _refused;

    /// <summary>New connections allowed per second, and the burst allowed at once; 0: no limit.</summary>
    public int PerSecond { get; } = perSecond;

    /// <summary>Connections refused by this limit since the node started.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Takes a token; false (and the refusal counted) when the bucket is empty.</summary>
    public bool TryTake()
    {
        if (PerSecond <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            var now = time.GetTimestamp();
            _tokens = Math.Min(PerSecond, _tokens + (time.GetElapsedTime(_refilledAt, now).TotalSeconds * PerSecond));
            _refilledAt = now;
            if (_tokens >= 1)
            {
                _tokens -= 1;
                return true;
            }
        }

        Interlocked.Increment(ref _refused);
        return false;
    }
}
