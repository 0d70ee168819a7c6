namespace Courier.IntegrationTests.Durability;

/// <summary>
/// What a test knows about one queue's messages while consumers acknowledge them and the broker
/// may die at any moment. A client learns that its ack reached the journal only indirectly: the
/// broker handles a channel's methods in order and appends the ack's settle record at once, so
/// once a later publish on the same channel is confirmed, the ack is on disk too. The same holds
/// for the record the broker appends when it first delivers a message.
/// </summary>
internal sealed class AckLedger(string queue, string stream)
{
    public string Queue { get; } = queue;

    /// <summary>The stream of messages the queue receives.</summary>
    public string Stream { get; } = stream;

    /// <summary>Guards the entries: consumers update them from their callbacks.</summary>
    public Lock Gate { get; } = new();

    /// <summary>Confirmed messages that may still be in the queue, by sequence number.</summary>
    public SortedDictionary<long, Entry> Held { get; } = [];

    /// <summary>Messages known to have left the queue for good: they must never come back.</summary>
    public HashSet<long> Gone { get; } = [];

    public sealed class Entry
    {
        /// <summary>Delivered at least once, in any run of the broker.</summary>
        public bool Delivered { get; set; }

        /// <summary>
        /// Not seen by the consumer, but possibly sent by the broker just before it died: within the
        /// consumer's prefetch after the last delivery it saw, so it may come back redelivered.
        /// </summary>
        public bool MaybeInFlight { get; set; }

        /// <summary>A delivery was followed by a confirmed publish on its channel: it comes back redelivered.</summary>
        public bool DeliveryDurable { get; set; }

        /// <summary>BasicAckAsync returned: the ack was sent, but it may not have reached the journal.</summary>
        public bool AckSent { get; set; }

        /// <summary>The ack was followed by a confirmed publish on its channel: the message must not come back.</summary>
        public bool AckDurable { get; set; }
    }
}
