using System.Buffers;
using Courier.Stomp.Frames;

namespace Courier.Fuzz;

/// <summary>
/// STOMP: frames read by one reader per connection, its limits smaller than the defaults so small
/// inputs reach them, and the headers the connection interprets parsed as it parses them. The
/// refusal is <see cref="StompProtocolException"/>.
/// </summary>
internal static class StompTargets
{
    private static readonly StompLimits Limits = new()
    {
        MaxBodySize = 64 * 1024,
        MaxHeaders = 64,
        MaxHeaderLineSize = 1024,
        MaxCommandLineSize = 256,
    };

    /// <summary>First byte: the piece size (low 6 bits) and the version agreed after the first frame (high 2 bits); the rest: what a client sends.</summary>
    public static void Frames(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        var agreed = (input[0] >> 6) switch
        {
            0 => StompVersion.V10,
            1 => StompVersion.V11,
            _ => StompVersion.V12,
        };
        var version = StompVersion.V12;
        var reader = new StompFrameReader(Limits);
        try
        {
            Segments.Feed(input.AsMemory(1), Segments.PieceSize(input[0]), (ref ReadOnlySequence<byte> buffer) =>
            {
                var result = reader.TryRead(ref buffer, version, out var frame);
                if (result == StompReadResult.NeedMore)
                {
                    return false;
                }

                if (frame is not null)
                {
                    Interpret(frame);
                    version = agreed;
                }

                return true;
            });
        }
        catch (StompProtocolException e)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>The headers whose values the connection parses rather than passes on.</summary>
    private static void Interpret(StompFrame frame)
    {
        _ = frame.ContentLength;
        if (frame.Command is StompCommand.Connect or StompCommand.Stomp)
        {
            _ = StompVersions.Negotiate(frame[StompHeaderNames.AcceptVersion]);
            _ = StompHeartBeat.Negotiate(StompHeartBeat.Parse(frame[StompHeaderNames.HeartBeat]), new StompHeartBeat(10_000, 10_000));
        }
    }
}
