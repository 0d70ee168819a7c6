namespace Courier.Core.Messages;

/// <summary>
/// An opaque byte array header value that a protocol marked as binary rather than as a string
/// (AMQP's field type 'x'). Plain <c>byte[]</c> values are long strings whose encoding the
/// publisher chose.
/// </summary>
public sealed record BinaryValue(byte[] Bytes);
