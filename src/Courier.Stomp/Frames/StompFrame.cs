using System.Diagnostics.CodeAnalysis;

namespace Courier.Stomp.Frames;

/// <summary>
/// One STOMP frame: a command, its header entries in wire order with repeats kept, and a body. When
/// a header repeats, the first entry is its value (1.2 "Repeated Header Entries"); the later ones are
/// kept only so that nothing the peer sent is lost.
/// </summary>
public sealed class StompFrame
{
    public StompFrame(StompCommand command, IReadOnlyList<StompHeader>? headers = null, ReadOnlyMemory<byte> body = default)
    {
        Command = command;
        Headers = headers ?? [];
        Body = body;
    }

    public StompCommand Command { get; }

    public IReadOnlyList<StompHeader> Headers { get; }

    /// <summary>The body, which may hold NULs when the frame came with a <c>content-length</c>.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>The value of the first entry named <paramref name="name"/> (names compare case-sensitively, as the spec's names are).</summary>
    public bool TryGetHeader(string name, [NotNullWhen(true)] out string? value)
    {
        for (var i = 0; i < Headers.Count; i++)
        {
            if (string.Equals(Headers[i].Name, name, StringComparison.Ordinal))
            {
                value = Headers[i].Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    /// <summary>The value of the first entry named <paramref name="name"/>, or null.</summary>
    public string? this[string name] => TryGetHeader(name, out var value) ? value : null;

    /// <summary>The body length the frame announced, or null without a <c>content-length</c> header.</summary>
    /// <exception cref="StompProtocolException">The header is not a non-negative decimal integer (never for a frame the reader returned).</exception>
    public int? ContentLength => TryGetHeader(StompHeaderNames.ContentLength, out var value) ? StompHeaderCodec.ParseContentLength(value) : null;

    public string? ContentType => this[StompHeaderNames.ContentType];

    public string? Destination => this[StompHeaderNames.Destination];

    /// <summary>The receipt the sender asked for: the server answers the frame with RECEIPT and this value as <c>receipt-id</c>.</summary>
    public string? Receipt => this[StompHeaderNames.Receipt];

    /// <summary>SUBSCRIBE and UNSUBSCRIBE: the subscription; ACK and NACK in 1.2: the message's <c>ack</c> value.</summary>
    public string? Id => this[StompHeaderNames.Id];

    /// <summary>SUBSCRIBE: the ack mode (<c>auto</c>, <c>client</c>, <c>client-individual</c>); MESSAGE in 1.2: what ACK or NACK names.</summary>
    public string? Ack => this[StompHeaderNames.Ack];

    public string? Transaction => this[StompHeaderNames.Transaction];

    public override string ToString() => $"{Command} ({Headers.Count} headers, {Body.Length} bytes)";
}
