namespace Courier.Core.Messages.Encoding;

/// <summary>Bytes that do not decode as the binary form of a table or property list.</summary>
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
