using Courier.Amqp091.Tests.Framing;
using Courier.Stomp.Frames;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Frames;

/// <summary>
/// Property tests: header text made of the characters escaping exists for (colon, LF, CR, backslash)
/// mixed with ordinary, non-ASCII and astral characters; bodies of any bytes, NULs included.
/// </summary>
public class RandomFrameTests
{
    private static readonly string[] Pieces = [":", "\n", "\r", "\\", "\\n", "\\c", "a", "Z", " ", "-", "ü", "ключ", "😀", "=", ","];

    private static Gen<string> Text(int minimumPieces) =>
        from count in Gen.Choose(minimumPieces, 8)
        from pieces in Gen.ArrayOf(Gen.Elements(Pieces), count)
        select string.Concat(pieces);

    private static Gen<StompHeader> Header() =>
        from name in Text(1)
        from value in Text(0)
        select new StompHeader(name, value);

    private static Gen<byte[]> Body() =>
        from length in Gen.Frequency((3, Gen.Choose(0, 16)), (1, Gen.Choose(0, 3000)))
        from bytes in Gen.ArrayOf(Gen.Frequency((1, Gen.Constant((byte)0)), (1, Gen.Elements((byte)'\n', (byte)'\r')), (4, Gen.Choose(0, 255).Select(b => (byte)b))), length)
        select bytes;

    private static Gen<(StompVersion Version, StompFrame Frame)> EscapedFrames() =>
        from version in Gen.Elements(StompVersion.V11, StompVersion.V12)
        from command in Gen.Elements(StompCommand.Send, StompCommand.Message, StompCommand.Error)
        from headers in Gen.ListOf(Header(), 5)
        from body in Body()
        select (version, new StompFrame(command, [.. headers], body));

    [Property(MaxTest = 1000)]
    public Property Any_header_text_round_trips_through_the_escaping_of_1_1_and_1_2() =>
        Prop.ForAll(EscapedFrames().ToArbitrary(), c =>
        {
            var bytes = Encode(c.Frame, c.Version);

            var decoded = Decode(bytes, c.Version);

            Assert.Equal(Describe(c.Frame), Describe(decoded));
            Assert.Equal(bytes, Encode(decoded, c.Version));
        });

    [Property(MaxTest = 500)]
    public Property Any_body_round_trips_with_its_content_length_in_every_version() =>
        Prop.ForAll(Gen.Elements(Versions).ToArbitrary(), Body().ToArbitrary(), (version, body) =>
        {
            var frame = new StompFrame(StompCommand.Send, [new("destination", "/queue/q")], body);

            var decoded = Decode(Encode(frame, version), version);

            Assert.Equal(body, decoded.Body.ToArray());
            Assert.Equal(body.Length == 0 ? null : body.Length, decoded.ContentLength);
        });

    [Property(MaxTest = 500)]
    public Property Random_frames_cut_anywhere_read_the_same() =>
        Prop.ForAll(EscapedFrames().ToArbitrary(), Gen.ListOf(Gen.Choose(0, 10_000), 3).ToArbitrary(), (c, cuts) =>
        {
            var bytes = Encode(c.Frame, c.Version);
            var buffer = SegmentedSequence.From(bytes, [.. cuts.Select(cut => cut % (bytes.Length + 1)).Order()]);

            Assert.Equal([Describe(c.Frame)], ReadAll(new StompFrameReader(), ref buffer, c.Version));
            Assert.True(buffer.IsEmpty);
        });

    [Property(MaxTest = 300)]
    public Property A_body_without_nul_reads_the_same_without_content_length() =>
        Prop.ForAll(Body().ToArbitrary(), body =>
        {
            var withoutNul = body.Where(b => b != 0).ToArray();
            byte[] bytes = [.. Ascii("MESSAGE\nsubscription:0\n\n"), .. withoutNul, 0];

            var decoded = Decode(bytes, StompVersion.V12);

            Assert.Equal(withoutNul, decoded.Body.ToArray());
            Assert.Null(decoded.ContentLength);
        });
}
