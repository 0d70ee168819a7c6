using System.Text;
using Courier.Amqp091.Framing;
using Courier.Core;

namespace Courier.Amqp091;

/// <summary>Maps core refusals to AMQP reply codes and writes reply texts the way RabbitMQ does.</summary>
internal static class AmqpReplies
{
    public static ushort CodeOf(BrokerError error) => error switch
    {
        BrokerError.NotFound => AmqpConstants.NotFound,
        BrokerError.ResourceLocked => AmqpConstants.ResourceLocked,
        BrokerError.PreconditionFailed => AmqpConstants.PreconditionFailed,
        BrokerError.AccessRefused => AmqpConstants.AccessRefused,
        BrokerError.NotAllowed => AmqpConstants.NotAllowed,
        BrokerError.NotImplemented => AmqpConstants.NotImplemented,
        _ => AmqpConstants.CommandInvalid,
    };

    public static string NameOf(int code) => code switch
    {
        AmqpConstants.ReplySuccess => "OK",
        AmqpConstants.ContentTooLarge => "CONTENT_TOO_LARGE",
        AmqpConstants.NoRoute => "NO_ROUTE",
        AmqpConstants.NoConsumers => "NO_CONSUMERS",
        AmqpConstants.ConnectionForced => "CONNECTION_FORCED",
        AmqpConstants.InvalidPath => "INVALID_PATH",
        AmqpConstants.AccessRefused => "ACCESS_REFUSED",
        AmqpConstants.NotFound => "NOT_FOUND",
        AmqpConstants.ResourceLocked => "RESOURCE_LOCKED",
        AmqpConstants.PreconditionFailed => "PRECONDITION_FAILED",
        AmqpConstants.FrameError => "FRAME_ERROR",
        AmqpConstants.SyntaxError => "SYNTAX_ERROR",
        AmqpConstants.CommandInvalid => "COMMAND_INVALID",
        AmqpConstants.ChannelError => "CHANNEL_ERROR",
        AmqpConstants.UnexpectedFrame => "UNEXPECTED_FRAME",
        AmqpConstants.ResourceError => "RESOURCE_ERROR",
        AmqpConstants.NotAllowed => "NOT_ALLOWED",
        AmqpConstants.NotImplemented => "NOT_IMPLEMENTED",
        AmqpConstants.InternalError => "INTERNAL_ERROR",
        _ => "ERROR",
    };

    /// <summary>"CODE_NAME - message", cut to fit a short string.</summary>
    public static string Text(int code, string message)
    {
        var text = $"{NameOf(code)} - {message}";
        if (Encoding.UTF8.GetByteCount(text) <= 255)
        {
            return text;
        }

        var length = Math.Min(text.Length, 255);
        while (Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > 255)
        {
            length--;
        }

        return text[..length];
    }
}
