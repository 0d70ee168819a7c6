namespace Courier.Core.Queues;

/// <summary>
/// Flow: when consumers fall behind, publishers to the queue are asked to wait, so the backlog
/// (and each message's time in it) stays bounded instead of growing for as long as publishers
/// outrun consumers.
/// </summary>
/// <remarks>
/// A queue with consumers is flow-limited once its ready backlog (in memory and paged) reaches
/// <see cref="Resources.ResourceMonitor.QueueReadyInMemory"/>, and released once the backlog is
/// down to half of that, or its consumers are gone, or it is deleted. A queue without consumers is
/// never flow-limited: its backlog is paged to the journal instead, as RabbitMQ keeps accepting
/// messages for a queue nobody reads. The protocol decides what waiting means (AMQP: stop reading
/// the publishing connection for a while).
/// </remarks>
public sealed partial class ClassicQueue
{
    private volatile bool _flowLimited;
    private TaskCompletionSource? _flowReleased;

    /// <summary>True while the queue's consumers are behind and publishers should pause.</summary>
    public bool IsFlowLimited => _flowLimited;

    /// <summary>Completes when the queue is no longer flow-limited (at once if it is not).</summary>
    public Task WhenFlowReleased()
    {
        using (EnterGate())
        {
            if (!_flowLimited)
            {
                return Task.CompletedTask;
            }

            _flowReleased ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _flowReleased.Task;
        }
    }

    /// <summary>Re-evaluates the flow state after the backlog or the consumers changed.</summary>
    private void UpdateFlowLocked()
    {
        var limit = Resources?.QueueReadyInMemory ?? 0;
        if (limit <= 0)
        {
            return;
        }

        var backlog = _ready.Count + _paged.Count;
        if (!_flowLimited)
        {
            if (backlog >= limit && _consumers.Count > 0 && !_deleted)
            {
                _flowLimited = true;
            }

            return;
        }

        if (backlog <= limit / 2 || _consumers.Count == 0 || _deleted)
        {
            _flowLimited = false;
            _flowReleased?.SetResult();
            _flowReleased = null;
        }
    }
}
