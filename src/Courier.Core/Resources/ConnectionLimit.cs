namespace Courier.Core.Resources;

/// <summary>
/// The node's limit on open client connections (every protocol together; RabbitMQ's per-node
/// connection limit). A protocol takes a slot once a connection is authenticated and opened, and
/// gives it back when the connection ends; a connection that finds no slot is refused with the
/// protocol's error (AMQP 530 NOT_ALLOWED, MQTT CONNACK 0x97 / 0x03).
/// </summary>
public sealed class ConnectionLimit(int maximum)
{
    private int _open;

    /// <summary>Most connections open at once; 0: no limit.</summary>
    public int Maximum { get; } = maximum;

    public int Open => Volatile.Read(ref _open);

    /// <summary>Takes a slot; false (and nothing taken) when the node is at its limit.</summary>
    public bool TryOpen()
    {
        var open = Interlocked.Increment(ref _open);
        if (Maximum > 0 && open > Maximum)
        {
            Interlocked.Decrement(ref _open);
            return false;
        }

        return true;
    }

    /// <summary>Gives back a slot <see cref="TryOpen"/> took.</summary>
    public void Close() => Interlocked.Decrement(ref _open);
}
