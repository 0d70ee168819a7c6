namespace Courier.Stomp.Frames;

/// <summary>The header names the specifications define, spelled as on the wire.</summary>
public static class StompHeaderNames
{
    public const string AcceptVersion = "accept-version";
    public const string Ack = "ack";
    public const string ContentLength = "content-length";
    public const string ContentType = "content-type";
    public const string Destination = "destination";
    public const string HeartBeat = "heart-beat";
    public const string Host = "host";
    public const string Id = "id";
    public const string Login = "login";
    public const string Message = "message";
    public const string MessageId = "message-id";
    public const string Passcode = "passcode";
    public const string Receipt = "receipt";
    public const string ReceiptId = "receipt-id";
    public const string Server = "server";
    public const string Session = "session";
    public const string Subscription = "subscription";
    public const string Transaction = "transaction";
    public const string Version = "version";

    /// <summary>Names read often enough that the reader hands out these instances instead of allocating a string per frame.</summary>
    internal static readonly string[] Common =
    [
        Destination, ContentLength, ContentType, Receipt, Id, Ack, Transaction, Subscription, MessageId, ReceiptId,
        AcceptVersion, HeartBeat, Host, Login, Passcode, Version, Session, Server, Message,
        "persistent", "priority", "reply-to", "correlation-id", "expiration", "prefetch-count", "durable", "auto-delete",
    ];
}
