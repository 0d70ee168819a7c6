namespace Courier.Amqp091.Mapping;

/// <summary>Bytes that do not decode as an AMQP 0-9-1 field table or property list (the reader turns it into 502 SYNTAX_ERROR).</summary>
public sealed class WireFormatException : FormatException
{
    public WireFormatException(string message)
        : base(message)
    {
    }

    public WireFormatException()
        : base("malformed encoding")
    {
    }

    public WireFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
