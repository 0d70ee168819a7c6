namespace Courier.Stomp.Server;

/// <summary>
/// A RECEIPT the connection owes (or, without a receipt id, only the news that a SEND failed),
/// released in frame order once the journal position it waits for is durable.
/// </summary>
/// <param name="ReceiptId">The frame's <c>receipt</c> header; null for a SEND that asked for none.</param>
/// <param name="EndsConnection">DISCONNECT's receipt: the connection closes once it is written.</param>
internal readonly record struct StompReceipt(string? ReceiptId, bool EndsConnection);
