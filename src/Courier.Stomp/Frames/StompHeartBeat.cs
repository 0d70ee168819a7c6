using System.Globalization;

namespace Courier.Stomp.Frames;

/// <summary>
/// One side's <c>heart-beat</c> header: the smallest interval, in milliseconds, at which it can send
/// heart-beats (0: it cannot), and the interval at which it would like to receive them (0: it does
/// not want any). A missing header means <c>0,0</c> (1.2 "Heart-beating").
/// </summary>
public readonly record struct StompHeartBeat(int CanSendEvery, int WantsEvery)
{
    public static StompHeartBeat None { get; }

    /// <summary>The header's value: two non-negative decimal integers and a comma; spaces around either are tolerated.</summary>
    /// <exception cref="StompProtocolException">Anything else.</exception>
    public static StompHeartBeat Parse(string? value)
    {
        if (value is null)
        {
            return None;
        }

        var text = value.AsSpan();
        var comma = text.IndexOf(',');
        if (comma < 0
            || !TryParseInterval(text[..comma], out var canSend)
            || !TryParseInterval(text[(comma + 1)..], out var wants))
        {
            throw new StompProtocolException($"heart-beat '{ThrowHelper.Printable(System.Text.Encoding.UTF8.GetBytes(value))}' is not two non-negative integers separated by a comma");
        }

        return new StompHeartBeat(canSend, wants);
    }

    private static bool TryParseInterval(ReadOnlySpan<char> text, out int milliseconds) =>
        int.TryParse(text.Trim(' '), NumberStyles.None, CultureInfo.InvariantCulture, out milliseconds);

    /// <summary>
    /// The intervals both sides keep to, from the client's CONNECT header and the server's CONNECTED
    /// header: each direction beats at the larger of what its sender can do and what its receiver
    /// wants, and not at all when either says 0.
    /// </summary>
    public static StompHeartBeatIntervals Negotiate(StompHeartBeat client, StompHeartBeat server) => new(
        ClientToServer: Interval(client.CanSendEvery, server.WantsEvery),
        ServerToClient: Interval(server.CanSendEvery, client.WantsEvery));

    private static TimeSpan Interval(int senderCan, int receiverWants) =>
        senderCan == 0 || receiverWants == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Max(senderCan, receiverWants));

    /// <summary>The header's value, as a CONNECTED frame writes it.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{CanSendEvery},{WantsEvery}");
}
