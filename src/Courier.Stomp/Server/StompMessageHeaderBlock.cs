using Courier.Core.Buffers;
using Courier.Core.Messages;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// The MESSAGE header lines that depend on the message alone (its <c>destination</c>, and its
/// properties and headers as <see cref="StompMessageMapper.MapProperties"/> maps them), escaped for
/// one version and kept for the next delivery of the same message on the same thread.
/// </summary>
/// <remarks>
/// A queue delivers on the thread that enqueued or dispatched, so a message routed to ten topic
/// subscriptions is encoded by the publisher's thread ten times in a row: the first delivery
/// encodes, the nine others copy. The cache holds one message per thread, weakly (a large body is
/// not kept alive by it), and compares by reference: a <see cref="Message"/> is not changed after it
/// is published. A header the version cannot express is remembered as a failure, thrown again for
/// each delivery that needs it.
/// </remarks>
internal sealed class StompMessageHeaderBlock
{
    // Blocks larger than this are not kept between messages (one odd message should not pin memory).
    private const int RetainedBytes = 16 * 1024;

    [ThreadStatic]
    private static StompMessageHeaderBlock? t_last;

    private readonly WeakReference<Message?> _message = new(null);
    private GrowableBufferWriter _bytes = new(256);
    private StompVersion _version;
    private int _destinationLength;
    private string? _destinationFailure;
    private string? _propertiesFailure;

    /// <summary>The lines of <paramref name="message"/> in <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentException">A line the caller needs cannot be expressed in the version.</exception>
    public static HeaderBytes For(Message message, StompVersion version, bool withDestination)
    {
        var block = t_last ??= new StompMessageHeaderBlock();
        if (block._version != version || !block._message.TryGetTarget(out var last) || !ReferenceEquals(last, message))
        {
            block.Encode(message, version);
        }

        if (withDestination && block._destinationFailure is { } destinationFailure)
        {
            ThrowHelper.ThrowCannotEncode(destinationFailure);
        }

        if (block._propertiesFailure is { } propertiesFailure)
        {
            ThrowHelper.ThrowCannotEncode(propertiesFailure);
        }

        var written = block._bytes.WrittenSpan;
        return new HeaderBytes(written[..block._destinationLength], written[block._destinationLength..]);
    }

    private void Encode(Message message, StompVersion version)
    {
        _message.SetTarget(null);
        if (_bytes.Capacity > RetainedBytes)
        {
            _bytes = new GrowableBufferWriter(256);
        }

        _bytes.ResetWrittenCount();
        _destinationFailure = null;
        _propertiesFailure = null;
        var sink = new EncodingSink(_bytes, version);
        try
        {
            StompFrameWriter.WriteHeader(_bytes, StompHeaderNames.Destination, StompDestination.Of(message.Exchange, message.RoutingKey), sink.Escaping, sink.CrLf);
        }
        catch (ArgumentException e)
        {
            _bytes.ResetWrittenCount();
            _destinationFailure = e.Message;
        }

        _destinationLength = _bytes.WrittenCount;
        try
        {
            StompMessageMapper.MapProperties(message, ref sink);
        }
        catch (ArgumentException e)
        {
            _bytes.Truncate(_destinationLength);
            _propertiesFailure = e.Message;
        }

        _version = version;
        _message.SetTarget(message);
    }

    /// <summary>The message's <c>destination</c> line, and its property lines.</summary>
    public readonly ref struct HeaderBytes(ReadOnlySpan<byte> destination, ReadOnlySpan<byte> properties)
    {
        public ReadOnlySpan<byte> Destination { get; } = destination;

        public ReadOnlySpan<byte> Properties { get; } = properties;
    }

    private readonly struct EncodingSink(GrowableBufferWriter output, StompVersion version) : IStompHeaderSink
    {
        public StompHeaderEscaping Escaping { get; } = StompFraming.EscapingOf(version, StompCommand.Message);

        public bool CrLf { get; } = StompFraming.CrLfEndsLines(version, StompCommand.Message);

        public void Add(string name, string value) => StompFrameWriter.WriteHeader(output, name, value, Escaping, CrLf);
    }
}
