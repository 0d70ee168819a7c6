namespace Courier.Stomp.Frames;

/// <summary>
/// What one frame may hold, each checked before the reader allocates or waits for the part it
/// limits (1.2 "Size Limits"). The defaults are ActiveMQ's STOMP transport's, which Vert.x's STOMP
/// server copies: a 1 KiB command line, 10 KiB per header line, 1,000 headers and a 100 MiB body.
/// </summary>
public sealed record StompLimits
{
    public static StompLimits Default { get; } = new();

    /// <summary>The largest body, with or without <c>content-length</c>; a larger announced length is refused from the header alone.</summary>
    public int MaxBodySize { get; init; } = 100 * 1024 * 1024;

    /// <summary>The most header entries in one frame, repeats included.</summary>
    public int MaxHeaders { get; init; } = 1000;

    /// <summary>The longest header line in bytes as sent (escaped), its line ending excluded.</summary>
    public int MaxHeaderLineSize { get; init; } = 10 * 1024;

    /// <summary>The longest command line in bytes, its line ending excluded; the longest real command is 11.</summary>
    public int MaxCommandLineSize { get; init; } = 1024;
}
