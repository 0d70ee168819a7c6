namespace Courier.Amqp091.Framing;

/// <summary>
/// A violation of the protocol detected while reading or acting on a frame. <see cref="ReplyCode"/>
/// is the AMQP reply code; codes the spec classes as hard errors close the connection, soft errors
/// close only the channel.
/// </summary>
public sealed class AmqpProtocolException : Exception
{
    public AmqpProtocolException(int replyCode, string message)
        : base(message)
    {
        ReplyCode = (ushort)replyCode;
    }

    public AmqpProtocolException(int replyCode, string message, Exception inner)
        : base(message, inner)
    {
        ReplyCode = (ushort)replyCode;
    }

    public AmqpProtocolException()
        : this(AmqpConstants.InternalError, "internal error")
    {
    }

    public AmqpProtocolException(string message)
        : this(AmqpConstants.InternalError, message)
    {
    }

    public AmqpProtocolException(string message, Exception inner)
        : this(AmqpConstants.InternalError, message, inner)
    {
    }

    public ushort ReplyCode { get; }

    /// <summary>True when the code must close the whole connection rather than one channel.</summary>
    public bool IsHardError => IsHard(ReplyCode);

    public static bool IsHard(int replyCode) => replyCode switch
    {
        AmqpConstants.ContentTooLarge or AmqpConstants.NoRoute or AmqpConstants.NoConsumers
            or AmqpConstants.AccessRefused or AmqpConstants.NotFound or AmqpConstants.ResourceLocked
            or AmqpConstants.PreconditionFailed => false,
        _ => true,
    };
}
