namespace Courier.Storage.Journal;

/// <summary>The kinds of journal record (see docs/storage-format.md).</summary>
public enum RecordType : byte
{
    /// <summary>A persistent message with the ids of the durable queues it was routed to; the body is written once.</summary>
    Message = 1,

    /// <summary>A queue is done with a message (ack, reject, purge, queue deleted).</summary>
    Settle = 2,

    /// <summary>A message was handed to a consumer (so it is redelivered after a restart).</summary>
    Delivered = 3,

    /// <summary>
    /// A transient message written out only to free memory (same layout as <see cref="Message"/>).
    /// It does not survive a restart: recovery skips it.
    /// </summary>
    PagedMessage = 4,
}
