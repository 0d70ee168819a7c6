using Courier.Core.Queues;

namespace Courier.Core.Tests.Support;

/// <summary>
/// A consumer's sink that records what it was given and takes deliveries only while it has credit,
/// like an AMQP channel with a prefetch window.
/// </summary>
internal sealed class RecordingSink(int credit = int.MaxValue) : IDeliverySink
{
    public int Credit { get; set; } = credit;

    public List<QueuedMessage> Delivered { get; } = [];

    public int Cancellations { get; private set; }

    public IEnumerable<string> Bodies => Delivered.Select(m => m.BodyText());

    public bool TryDeliver(IQueue queue, QueueConsumer consumer, QueuedMessage message)
    {
        if (Credit <= 0)
        {
            return false;
        }

        Credit--;
        Delivered.Add(message);
        return true;
    }

    public void OnCancelled(IQueue queue, QueueConsumer consumer) => Cancellations++;
}
