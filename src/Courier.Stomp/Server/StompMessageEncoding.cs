using System.Buffers;
using System.Buffers.Text;
using Courier.Core.Buffers;
using Courier.Core.Messages;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// Writes one subscription's MESSAGE frames straight into the outbound buffer: the same bytes as
/// <see cref="StompMessageMapper.ToHeaders"/> through <see cref="StompFrameWriter"/> (the tests
/// compare them), without a header list, a frame object or a string per delivery.
/// </summary>
/// <remarks>
/// A MESSAGE is three kinds of bytes. The subscription's own (the command, <c>subscription</c>, a
/// temporary queue's fixed <c>destination</c>, and the <c>message-id</c> up to its delivery tag) are
/// escaped once, here. The message's own (its <c>destination</c> and mapped properties) are the
/// same for every subscriber, so they are escaped once per message and version on the thread that
/// delivers it (<see cref="StompMessageHeaderBlock"/>): a fanout delivers one message to all its queues
/// in turn on the publisher's thread. What is left per delivery is the tag, <c>redelivered</c>,
/// <c>content-length</c> and the body, copied into one span. A header that cannot be expressed in
/// the version fails the delivery with <see cref="ArgumentException"/> and writes nothing, as the
/// general writer does.
/// </remarks>
internal sealed class StompMessageEncoding
{
    private const int MaxTagDigits = 20;
    private const int MaxLengthDigits = 10;

    // The command line and subscription header (and a fixed destination's header).
    private readonly byte[] _head = [];

    // "T_<subscription>@@<session>@@" escaped: message-id's (and ack's) value without its tag.
    private readonly byte[] _ackIdPrefix = [];
    private readonly bool _fixedDestination;
    private readonly string? _failure;

    public StompMessageEncoding(string subscription, string? fixedDestination, string sessionId, StompVersion version)
    {
        Version = version;
        _fixedDestination = fixedDestination is not null;
        var escaping = StompFraming.EscapingOf(version, StompCommand.Message);
        var crLf = StompFraming.CrLfEndsLines(version, StompCommand.Message);
        var bytes = new GrowableBufferWriter(128);
        try
        {
            bytes.Write("MESSAGE\n"u8);
            StompFrameWriter.WriteHeader(bytes, StompHeaderNames.Subscription, subscription, escaping, crLf);
            if (fixedDestination is not null)
            {
                StompFrameWriter.WriteHeader(bytes, StompHeaderNames.Destination, fixedDestination, escaping, crLf);
            }

            _head = bytes.WrittenSpan.ToArray();
            bytes.ResetWrittenCount();
            StompHeaderCodec.Write(bytes, "T_" + subscription + "@@" + sessionId + "@@", escaping, isName: false, crLf);
            _ackIdPrefix = bytes.WrittenSpan.ToArray();
        }
        catch (ArgumentException e)
        {
            // Every MESSAGE of this subscription would fail the same way: each delivery is refused.
            _failure = e.Message;
        }
    }

    public StompVersion Version { get; }

    /// <summary>The <c>message-id</c> (and 1.2 <c>ack</c>) of a delivery, in RabbitMQ's form: <c>T_</c>subscription<c>@@</c>session<c>@@</c>tag.</summary>
    public static string AckId(string subscription, string sessionId, ulong tag) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"T_{subscription}@@{sessionId}@@{tag}");

    /// <summary>Writes the MESSAGE frame of one delivery.</summary>
    /// <exception cref="ArgumentException">A header cannot be expressed in this version (nothing is written).</exception>
    public void Write(IBufferWriter<byte> output, Message message, ulong tag, bool withAck, bool redelivered)
    {
        if (_failure is not null)
        {
            ThrowHelper.ThrowCannotEncode(_failure);
        }

        var block = StompMessageHeaderBlock.For(message, Version, withDestination: !_fixedDestination);
        var body = message.Body.Span;
        var idLength = _ackIdPrefix.Length + MaxTagDigits;
        var size = _head.Length + block.Destination.Length + block.Properties.Length
                   + "message-id:\n"u8.Length + idLength
                   + (withAck ? "ack:\n"u8.Length + idLength : 0)
                   + "redelivered:false\n"u8.Length
                   + "content-length:\n\n"u8.Length + MaxLengthDigits + body.Length + 1;
        var span = output.GetSpan(size);
        var at = Put(span, 0, _head);
        if (!_fixedDestination)
        {
            at = Put(span, at, block.Destination);
        }

        at = Put(span, at, "message-id:"u8);
        var idStart = at;
        at = Put(span, at, _ackIdPrefix);
        Utf8Formatter.TryFormat(tag, span[at..], out var digits);
        at += digits;
        var id = span[idStart..at];
        span[at++] = (byte)'\n';
        if (withAck)
        {
            at = Put(span, at, "ack:"u8);
            id.CopyTo(span[at..]);
            at += id.Length;
            span[at++] = (byte)'\n';
        }

        at = Put(span, at, redelivered ? "redelivered:true\n"u8 : "redelivered:false\n"u8);
        at = Put(span, at, block.Properties);
        if (!body.IsEmpty)
        {
            at = Put(span, at, "content-length:"u8);
            Utf8Formatter.TryFormat(body.Length, span[at..], out digits);
            at += digits;
            span[at++] = (byte)'\n';
        }

        span[at++] = (byte)'\n';
        at = Put(span, at, body);
        span[at++] = 0;
        output.Advance(at);
    }

    private static int Put(Span<byte> span, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }
}
