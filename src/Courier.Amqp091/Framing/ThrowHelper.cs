using System.Diagnostics.CodeAnalysis;

namespace Courier.Amqp091.Framing;

/// <summary>Throw sites kept out of line so the codec's hot methods stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowTruncated() =>
        throw new AmqpProtocolException(AmqpConstants.SyntaxError, "method or property list is shorter than its fields");

    [DoesNotReturn]
    public static void ThrowSyntax(string message) =>
        throw new AmqpProtocolException(AmqpConstants.SyntaxError, message);

    [DoesNotReturn]
    public static void ThrowFrame(string message) =>
        throw new AmqpProtocolException(AmqpConstants.FrameError, message);

    [DoesNotReturn]
    public static void ThrowShortStringTooLong() =>
        throw new ArgumentException("a short string is at most 255 bytes once encoded as UTF-8");
}
