using Courier.Core;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// BEGIN, COMMIT and ABORT: in a transaction, SENDs and ACKs/NACKs are held on the connection and
/// take effect together at COMMIT, whose receipt waits until the transaction's persistent messages
/// are on disk (as AMQP's commit-ok does), or are dropped at ABORT or when the connection ends.
/// </summary>
internal sealed partial class StompConnection
{
    private readonly Dictionary<string, List<StompFrame>> _transactions = new(StringComparer.Ordinal);

    private void OnBegin(StompFrame frame)
    {
        var name = Require(frame, StompHeaderNames.Transaction);
        if (!_transactions.TryAdd(name, []))
        {
            throw new StompProtocolException($"transaction '{name}' is already open");
        }
    }

    private long OnCommit(StompFrame frame)
    {
        var held = Take(frame);
        long position = 0;
        foreach (var work in held)
        {
            if (work.Command == StompCommand.Send)
            {
                var published = Publish(work, StompDestination.Parse(work.Destination!));
                position = published == FailedPosition || position == FailedPosition ? FailedPosition : Math.Max(position, published);
            }
            else
            {
                var (subscription, tag) = Resolve(work);
                var ack = work.Command == StompCommand.Ack;
                Settle(subscription, tag, subscription.AckMode, ack, requeue: ack || !string.Equals(work[Requeue], "false", StringComparison.Ordinal));
            }
        }

        return position;
    }

    private void OnAbort(StompFrame frame) => Take(frame);

    private List<StompFrame> Take(StompFrame frame)
    {
        var name = Require(frame, StompHeaderNames.Transaction);
        return _transactions.Remove(name, out var held)
            ? held
            : throw new StompProtocolException($"no transaction '{name}' is open");
    }

    private void HoldForTransaction(string name, StompFrame frame)
    {
        if (!_transactions.TryGetValue(name, out var held))
        {
            throw new StompProtocolException($"no transaction '{name}' is open");
        }

        if (held.Count >= MaxTransactionFrames)
        {
            throw BrokerException.PreconditionFailed($"transaction '{name}' holds {MaxTransactionFrames} frames, the most one may");
        }

        held.Add(frame);
    }

    /// <summary>Frames one transaction may hold: a bound on what a client can make the broker keep in memory.</summary>
    private const int MaxTransactionFrames = 100_000;
}
