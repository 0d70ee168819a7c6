namespace Courier.Core.VirtualHosts;

/// <summary>Deleting a whole vhost (management's <c>DELETE /api/vhosts/{name}</c>).</summary>
public sealed partial class VirtualHost
{
    /// <summary>Description and tags an operator gave the vhost (kept in memory only; see docs/management.md).</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Closes every session in the vhost with <paramref name="reason"/> and deletes its queues, dropping their messages.</summary>
    internal void Shutdown(string reason)
    {
        foreach (var session in _sessions.Values)
        {
            session.Close(reason);
        }

        List<Queues.IQueue> queues;
        lock (_definitions)
        {
            queues = [.. _queues.Values];
            foreach (var queue in queues)
            {
                RemoveQueueLocked(queue);
            }

            _definitionsChanged = false;
        }

        foreach (var queue in queues)
        {
            queue.Delete();
        }
    }
}
