namespace Courier.Stomp.Frames;

/// <summary>How a frame's header names and values are escaped, which depends on the version and the command.</summary>
internal enum StompHeaderEscaping
{
    /// <summary>1.0, and CONNECT, STOMP and CONNECTED in every version: bytes as they are.</summary>
    None,

    /// <summary>1.1: <c>\n</c>, <c>\c</c> and <c>\\</c>.</summary>
    V11,

    /// <summary>1.2: those of 1.1 and <c>\r</c>.</summary>
    V12,
}

internal static class StompFraming
{
    public static StompHeaderEscaping EscapingOf(StompVersion version, StompCommand command) =>
        StompCommands.IsHandshake(command) ? StompHeaderEscaping.None : version switch
        {
            StompVersion.V10 => StompHeaderEscaping.None,
            StompVersion.V11 => StompHeaderEscaping.V11,
            _ => StompHeaderEscaping.V12,
        };

    /// <summary>
    /// Whether a CR before a header line's LF belongs to the line ending: in 1.2, whose EOL is
    /// <c>[CR] LF</c>; in 1.0, which trims whitespace around values anyway (RabbitMQ and ActiveMQ read
    /// CR LF there too); and in the handshake frames of every version, which are read before a version
    /// is agreed (a 1.2 client may already end its CONNECT's lines with CR LF). Only in the other
    /// frames of 1.1, whose EOL is LF alone and which cannot escape a CR, is it part of the value.
    /// </summary>
    public static bool CrLfEndsLines(StompVersion version, StompCommand command) =>
        version != StompVersion.V11 || StompCommands.IsHandshake(command);
}
