namespace Courier.Storage.Journal;

/// <summary>The kinds of journal record (see docs/storage-format.md).</summary>
public enum RecordType : byte
{
    /// <summary>
    /// A persistent message in the AMQP-shaped layout of the first releases (one-byte exchange and
    /// routing key lengths, the AMQP property list). Still read, never written: see <see cref="NeutralMessage"/>.
    /// </summary>
    Message = 1,

    /// <summary>A queue is done with a message (ack, reject, purge, queue deleted).</summary>
    Settle = 2,

    /// <summary>A message was handed to a consumer (so it is redelivered after a restart).</summary>
    Delivered = 3,

    /// <summary>
    /// A transient message written out only to free memory, in the old layout of <see cref="Message"/>.
    /// It does not survive a restart: recovery skips it. Still read, never written.
    /// </summary>
    PagedMessage = 4,

    /// <summary>
    /// A persistent message with the ids of the durable queues it was routed to, in Courier's own
    /// neutral encoding; the body is written once. Written by format 2; still read, never written:
    /// see <see cref="StampedMessage"/>.
    /// </summary>
    NeutralMessage = 5,

    /// <summary>A transient message paged out to free memory, laid out as <see cref="NeutralMessage"/>; skipped by recovery.</summary>
    NeutralPagedMessage = 6,

    /// <summary>A delayed exchange's key and name (the delayed store's catalog); held until <see cref="DelayedExchangeForgotten"/>.</summary>
    DelayedExchange = 7,

    /// <summary>A delayed exchange was deleted: its key and every message scheduled under it are dropped.</summary>
    DelayedExchangeForgotten = 8,

    /// <summary>A persistent message scheduled on a delayed exchange, with its due time, in the neutral encoding.</summary>
    DelayedMessage = 9,

    /// <summary>A transient delayed message, kept on disk only to spare memory; skipped by recovery.</summary>
    DelayedTransientMessage = 10,

    /// <summary>A delayed message was routed when due: it is removed from the delayed store.</summary>
    DelayedRouted = 11,

    /// <summary>
    /// A persistent message as <see cref="NeutralMessage"/>, with the time the store took it (Unix
    /// milliseconds) after the queue ids, so message TTLs count from the original arrival after a
    /// restart (format 3).
    /// </summary>
    StampedMessage = 12,
}
