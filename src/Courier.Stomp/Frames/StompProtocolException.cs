namespace Courier.Stomp.Frames;

/// <summary>
/// The one exception the frame reader throws, for any input. Its message is one short line, fit for
/// the <c>message</c> header of the ERROR frame the server answers with before closing the
/// connection (1.2 "ERROR": the server closes the connection after sending it). Input bytes quoted in
/// the message are shown printable, so the message itself never needs escaping beyond 1.2's rules.
/// </summary>
public sealed class StompProtocolException : Exception
{
    public StompProtocolException()
        : base("malformed frame")
    {
    }

    public StompProtocolException(string message)
        : base(message)
    {
    }

    public StompProtocolException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
