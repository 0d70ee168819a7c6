using System.Buffers;
using System.Buffers.Text;

namespace Courier.Stomp.Frames;

/// <summary>
/// Writes whole frames into an <see cref="IBufferWriter{T}"/> with the version's escaping; it never
/// flushes, the connection's writer loop decides when bytes go to the socket. Every non-empty body
/// goes with a <c>content-length</c> the writer computes (any the frame carries is left out), so a
/// body may hold NULs and the peer never scans it. Lines end in LF, which every version reads.
/// </summary>
public static class StompFrameWriter
{
    /// <summary>A heart-beat: one EOL between frames.</summary>
    public static void WriteHeartBeat(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    /// <param name="version">The connection's version; CONNECT, STOMP and CONNECTED are never escaped, in any version.</param>
    /// <exception cref="ArgumentException">
    /// The frame cannot be expressed: an empty header name, a NUL or lone surrogate in a header, a
    /// character an unescaped header cannot carry (LF anywhere, a colon in a name, a CR ending a value
    /// where CR LF ends lines), or a body on a frame that may not have one (1.1 and 1.2).
    /// </exception>
    public static void Write(IBufferWriter<byte> output, StompFrame frame, StompVersion version)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(frame);
        if (!frame.Body.IsEmpty && version != StompVersion.V10 && !StompCommands.MayHaveBody(frame.Command))
        {
            ThrowHelper.ThrowCannotEncode($"a {StompCommands.WireName(frame.Command)} frame may not have a body");
        }

        WriteBytes(output, StompCommands.NameOf(frame.Command));
        WriteBytes(output, "\n"u8);
        var escaping = StompFraming.EscapingOf(version, frame.Command);
        var crLf = StompFraming.CrLfEndsLines(version, frame.Command);
        foreach (var header in frame.Headers)
        {
            if (string.Equals(header.Name, StompHeaderNames.ContentLength, StringComparison.Ordinal))
            {
                continue;
            }

            WriteHeader(output, header.Name, header.Value, escaping, crLf);
        }

        if (!frame.Body.IsEmpty)
        {
            WriteBytes(output, "content-length:"u8);
            var digits = output.GetSpan(11);
            Utf8Formatter.TryFormat(frame.Body.Length, digits, out var written);
            output.Advance(written);
            WriteBytes(output, "\n"u8);
        }

        WriteBytes(output, "\n"u8);
        WriteBytes(output, frame.Body.Span);
        WriteBytes(output, "\0"u8);
    }

    /// <summary>One <c>name:value</c> line, escaped as the frame's version and command say (<see cref="StompFraming"/>).</summary>
    /// <exception cref="ArgumentException">The name or value cannot be expressed (see <see cref="Write"/>).</exception>
    internal static void WriteHeader(IBufferWriter<byte> output, string name, string value, StompHeaderEscaping escaping, bool crLf)
    {
        if (name.Length == 0)
        {
            ThrowHelper.ThrowCannotEncode("a header name cannot be empty");
        }

        StompHeaderCodec.Write(output, name, escaping, isName: true, crLf);
        WriteBytes(output, ":"u8);
        StompHeaderCodec.Write(output, value, escaping, isName: false, crLf);
        WriteBytes(output, "\n"u8);
    }

    private static void WriteBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        if (!bytes.IsEmpty)
        {
            bytes.CopyTo(output.GetSpan(bytes.Length));
            output.Advance(bytes.Length);
        }
    }
}
