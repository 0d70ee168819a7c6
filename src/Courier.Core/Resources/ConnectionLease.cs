namespace Courier.Core.Resources;

/// <summary>
/// What an open client connection holds against the limits: a node slot, its count in its vhost's
/// and its user's <c>max-connections</c>, and its AMQP channels in its user's <c>max-channels</c>.
/// <see cref="Dispose"/> gives everything back, once.
/// </summary>
public sealed class ConnectionLease : IDisposable
{
    private readonly ConnectionLimit _node;
    private readonly ClientLimits _limits;
    private int _channels;
    private int _released;

    internal ConnectionLease(ConnectionLimit node, ClientLimits limits, string user, string virtualHost)
    {
        _node = node;
        _limits = limits;
        User = user;
        VirtualHost = virtualHost;
    }

    public string User { get; }

    public string VirtualHost { get; }

    /// <summary>Counts one more channel of the user, or throws NotAllowed (530 in AMQP) past its <c>max-channels</c>.</summary>
    public void OpenChannel()
    {
        _limits.OpenChannel(User);
        Interlocked.Increment(ref _channels);
        if (Volatile.Read(ref _released) == 1)
        {
            // Released meanwhile: give this one back too.
            CloseChannel();
        }
    }

    /// <summary>Gives back one channel <see cref="OpenChannel"/> counted.</summary>
    public void CloseChannel()
    {
        if (Interlocked.Decrement(ref _channels) >= 0)
        {
            _limits.CloseChannels(User, 1);
        }
        else
        {
            Interlocked.Increment(ref _channels);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 1)
        {
            return;
        }

        _node.Close();
        _limits.CloseConnection(User, VirtualHost);
        _limits.CloseChannels(User, Interlocked.Exchange(ref _channels, 0));
    }
}
