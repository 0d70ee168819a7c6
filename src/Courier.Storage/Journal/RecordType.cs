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
    /// neutral encoding; the body is written once.
    /// </summary>
    NeutralMessage = 5,

    /// <summary>A transient message paged out to free memory, laid out as <see cref="NeutralMessage"/>; skipped by recovery.</summary>
    NeutralPagedMessage = 6,
}
