using System.Buffers;
using System.Text;
using Courier.Stomp.Frames;
using Xunit;

namespace Courier.Stomp.Tests.Frames;

/// <summary>Encoding, decoding and describing frames for the tests.</summary>
internal static class FrameBytes
{
    public const string HeartBeat = "heart-beat";

    public static readonly StompVersion[] Versions = [StompVersion.V10, StompVersion.V11, StompVersion.V12];

    public static TheoryData<StompVersion> EveryVersion => [.. Versions];

    public static byte[] Encode(StompFrame frame, StompVersion version)
    {
        var output = new ArrayBufferWriter<byte>();
        StompFrameWriter.Write(output, frame, version);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Decodes exactly one frame that must take all of <paramref name="bytes"/>.</summary>
    public static StompFrame Decode(byte[] bytes, StompVersion version, StompLimits? limits = null)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.Equal(StompReadResult.Frame, new StompFrameReader(limits).TryRead(ref buffer, version, out var frame));
        Assert.True(buffer.IsEmpty, $"{buffer.Length} bytes left after the frame");
        return frame!;
    }

    public static StompFrame Decode(string text, StompVersion version, StompLimits? limits = null) => Decode(Ascii(text), version, limits);

    /// <summary>Reads until the reader asks for more: each frame described, each heart-beat as <see cref="HeartBeat"/>.</summary>
    public static List<string> ReadAll(StompFrameReader reader, ref ReadOnlySequence<byte> buffer, StompVersion version)
    {
        var read = new List<string>();
        while (true)
        {
            var before = buffer.Length;
            var result = reader.TryRead(ref buffer, version, out var frame);
            if (result == StompReadResult.NeedMore)
            {
                Assert.Equal(before, buffer.Length);
                return read;
            }

            Assert.True(buffer.Length < before, "a result other than NeedMore consumes something");
            read.Add(result == StompReadResult.HeartBeat ? HeartBeat : Describe(frame!));
        }
    }

    public static StompProtocolException Fails(byte[] bytes, StompVersion version, StompLimits? limits = null)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        return Assert.Throws<StompProtocolException>(() => new StompFrameReader(limits).TryRead(ref buffer, version, out _));
    }

    public static StompProtocolException Fails(string text, StompVersion version, StompLimits? limits = null) => Fails(Ascii(text), version, limits);

    public static StompReadResult Try(string text, StompVersion version, StompLimits? limits = null)
    {
        var buffer = new ReadOnlySequence<byte>(Ascii(text));
        return new StompFrameReader(limits).TryRead(ref buffer, version, out _);
    }

    /// <summary>
    /// Command, headers in order and body, as text: two frames are the same when their descriptions
    /// are. The writer supplies <c>content-length</c> itself, so it is left out of the comparison.
    /// </summary>
    public static string Describe(StompFrame frame)
    {
        var text = new StringBuilder(StompCommands.WireName(frame.Command));
        foreach (var header in frame.Headers)
        {
            if (header.Name != StompHeaderNames.ContentLength)
            {
                text.Append(" [").Append(Escape(header.Name)).Append('=').Append(Escape(header.Value)).Append(']');
            }
        }

        return text.Append(" body ").Append(Convert.ToHexString(frame.Body.Span)).ToString();
    }

    private static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
