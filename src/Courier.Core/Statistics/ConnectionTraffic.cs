namespace Courier.Core.Statistics;

/// <summary>
/// One connection's bytes and reads/writes on its transport, as RabbitMQ shows them on a
/// connection: <c>recv_oct</c>, <c>recv_cnt</c>, <c>send_oct</c>, <c>send_cnt</c>.
/// </summary>
/// <remarks>
/// What is counted is what the protocol reads from and flushes to its transport: for a TCP or TLS
/// connection the protocol's bytes (before encryption), for a WebSocket connection the payload of
/// its frames. A count (<c>_cnt</c>) is one read that returned data, or one flush.
/// Threading: the receive side is written only by the connection's reader loop, the send side only
/// by whoever flushes, one at a time (the writer loop, or a reader writing inline, which hand over
/// under the outbound buffer's lock): plain increments. Read from any thread with Volatile.
/// </remarks>
public sealed class ConnectionTraffic
{
    private long _receivedBytes;
    private long _receives;
    private long _sentBytes;
    private long _sends;

    // What the reader left unconsumed after its last read: the next read returns it again.
    private long _carried;

    /// <summary>
    /// One read by the reader loop, after it advanced the pipe: <paramref name="read"/> bytes were
    /// returned, <paramref name="unconsumed"/> of them were left for the next read. Only what the
    /// read added since the last one is counted.
    /// </summary>
    public void OnRead(long read, long unconsumed)
    {
        var fresh = read - _carried;
        _carried = unconsumed;
        if (fresh > 0)
        {
            _receivedBytes += fresh;
            _receives++;
        }
    }

    /// <summary>One flush of <paramref name="bytes"/> bytes to the transport.</summary>
    public void OnSent(long bytes)
    {
        _sentBytes += bytes;
        _sends++;
    }

    public TrafficStats Read() => new(
        Volatile.Read(ref _receivedBytes),
        Volatile.Read(ref _receives),
        Volatile.Read(ref _sentBytes),
        Volatile.Read(ref _sends));
}

/// <summary>A reading of <see cref="ConnectionTraffic"/>.</summary>
public readonly record struct TrafficStats(long ReceivedBytes, long Receives, long SentBytes, long Sends);
