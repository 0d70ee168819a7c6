using System.Text;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Tests.Frames;

/// <summary>
/// One frame of every command per version, with the headers each usually carries, repeats, non-ASCII
/// text and (in 1.1 and 1.2) the characters escaping exists for; bodies hold NULs and every byte.
/// </summary>
internal static class FrameSamples
{
    public static Dictionary<string, StompFrame> For(StompVersion version)
    {
        var escaped = version != StompVersion.V10;
        StompHeader H(string name, string value) => new(name, value);
        var special = version switch
        {
            StompVersion.V10 => H("x-special", "a:b\\c ключ 😀"),
            StompVersion.V11 => H("x:spe\\cial", "a:b\nc\\d\re"),
            _ => H("x:spe\\cial\r", "a:b\nc\\d\re\r"),
        };
        byte[] allBytes = [.. Enumerable.Range(0, 256).Select(i => (byte)i)];
        var frames = new Dictionary<string, StompFrame>
        {
            ["connect"] = new(StompCommand.Connect,
            [
                H("accept-version", "1.0,1.1,1.2"), H("host", "/"), H("login", "guest"), H("passcode", "gu:e\\st"), H("heart-beat", "10000,5000"),
            ]),
            ["stomp"] = new(StompCommand.Stomp, [H("accept-version", "1.2"), H("host", "vhost")]),
            ["connected"] = new(StompCommand.Connected, [H("version", version.ToHeaderValue()), H("heart-beat", "0,0"), H("server", "Courier/1.0"), H("session", "s-1")]),
            ["send"] = new(StompCommand.Send,
            [
                H("destination", "/queue/a"), H("content-type", "text/plain; charset=utf-8"), H("receipt", "r-1"),
                H("foo", "1"), H("foo", "2"), special, H("ключ", "значение 😀"),
            ], Encoding.UTF8.GetBytes("hello\0world\n")),
            ["send-empty"] = new(StompCommand.Send, [H("destination", "/topic/t"), H("transaction", "tx-1")]),
            ["subscribe"] = new(StompCommand.Subscribe, [H("id", "0"), H("destination", "/exchange/amq.topic/a.b"), H("ack", "client-individual")]),
            ["unsubscribe"] = new(StompCommand.Unsubscribe, [H("id", "0"), H("receipt", "r-2")]),
            ["ack"] = new(StompCommand.Ack, [H("id", "T_0@@1"), H("message-id", "m-1"), H("subscription", "0"), H("transaction", "tx-1")]),
            ["nack"] = new(StompCommand.Nack, [H("id", "T_0@@2")]),
            ["begin"] = new(StompCommand.Begin, [H("transaction", "tx-1")]),
            ["commit"] = new(StompCommand.Commit, [H("transaction", "tx-1"), H("receipt", "r-3")]),
            ["abort"] = new(StompCommand.Abort, [H("transaction", "tx-2")]),
            ["disconnect"] = new(StompCommand.Disconnect, [H("receipt", "77")]),
            ["message"] = new(StompCommand.Message,
            [
                H("subscription", "0"), H("message-id", "007"), H("destination", "/queue/a"), H("ack", "T_0@@1"), special,
            ], allBytes),
            ["receipt"] = new(StompCommand.Receipt, [H("receipt-id", "77")]),
            ["error"] = new(StompCommand.Error,
            [
                H("message", escaped ? "malformed frame: header line without a colon" : "malformed frame"), H("content-type", "text/plain"),
            ], Encoding.UTF8.GetBytes("The frame:\n-----\nSEND\nfoo\n-----\n")),
            ["no-headers"] = new(StompCommand.Disconnect),
        };
        return frames;
    }
}
