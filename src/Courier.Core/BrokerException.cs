namespace Courier.Core;

/// <summary>The kinds of refusal the core can give; each protocol maps them onto its own codes.</summary>
public enum BrokerError
{
    /// <summary>A named exchange, queue or binding does not exist.</summary>
    NotFound,

    /// <summary>Another connection holds the resource exclusively.</summary>
    ResourceLocked,

    /// <summary>The request conflicts with the resource's state or declaration (inequivalent declare, unknown delivery tag, not empty).</summary>
    PreconditionFailed,

    /// <summary>The user may not do this, or the name is reserved.</summary>
    AccessRefused,

    /// <summary>The operation is not allowed at all here (unknown vhost, limits).</summary>
    NotAllowed,

    /// <summary>The request is malformed for the core (unknown exchange type, bad argument).</summary>
    CommandInvalid,

    /// <summary>A feature the request asks for is not implemented.</summary>
    NotImplemented,
}

/// <summary>
/// A refusal from the core, carrying the kind and a message in RabbitMQ's wording (without the
/// reply-code prefix, which the protocol adds).
/// </summary>
public sealed class BrokerException : Exception
{
    public BrokerException(BrokerError error, string message)
        : base(message)
    {
        Error = error;
    }

    public BrokerException()
        : this(BrokerError.CommandInvalid, "invalid request")
    {
    }

    public BrokerException(string message)
        : this(BrokerError.CommandInvalid, message)
    {
    }

    public BrokerException(string message, Exception inner)
        : base(message, inner)
    {
        Error = BrokerError.CommandInvalid;
    }

    public BrokerError Error { get; }

    /// <summary>True when a limit (a vhost's <c>max-queues</c>, say) refused the request, which some protocols answer with a code of their own (MQTT's 0x97 Quota exceeded).</summary>
    public bool IsLimit { get; init; }

    public static BrokerException NotFound(string message) => new(BrokerError.NotFound, message);

    public static BrokerException PreconditionFailed(string message) => new(BrokerError.PreconditionFailed, message);

    public static BrokerException AccessRefused(string message) => new(BrokerError.AccessRefused, message);

    public static BrokerException ResourceLocked(string message) => new(BrokerError.ResourceLocked, message);
}
