namespace Courier.Stomp.Frames;

/// <summary>The commands of STOMP 1.0 to 1.2: what a client sends, then what a server sends.</summary>
public enum StompCommand
{
    Connect,
    Stomp,
    Send,
    Subscribe,
    Unsubscribe,
    Ack,
    Nack,
    Begin,
    Commit,
    Abort,
    Disconnect,
    Connected,
    Message,
    Receipt,
    Error,
}

/// <summary>The wire names of the commands and the rules that depend on the command alone.</summary>
public static class StompCommands
{
    private static readonly byte[][] Names =
    [
        "CONNECT"u8.ToArray(), "STOMP"u8.ToArray(), "SEND"u8.ToArray(), "SUBSCRIBE"u8.ToArray(), "UNSUBSCRIBE"u8.ToArray(),
        "ACK"u8.ToArray(), "NACK"u8.ToArray(), "BEGIN"u8.ToArray(), "COMMIT"u8.ToArray(), "ABORT"u8.ToArray(),
        "DISCONNECT"u8.ToArray(), "CONNECTED"u8.ToArray(), "MESSAGE"u8.ToArray(), "RECEIPT"u8.ToArray(), "ERROR"u8.ToArray(),
    ];

    /// <summary>The command as it is written on the wire (upper case ASCII).</summary>
    public static ReadOnlySpan<byte> NameOf(StompCommand command) => Names[(int)command];

    public static string WireName(StompCommand command) => System.Text.Encoding.ASCII.GetString(Names[(int)command]);

    /// <summary>The command a command line names, exactly and case-sensitively; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out StompCommand command)
    {
        for (var i = 0; i < Names.Length; i++)
        {
            if (name.SequenceEqual(Names[i]))
            {
                command = (StompCommand)i;
                return true;
            }
        }

        command = default;
        return false;
    }

    /// <summary>
    /// CONNECT and CONNECTED are read and written before (or while) a version is agreed, so 1.1 and
    /// 1.2 leave their headers unescaped to stay readable by 1.0 peers (1.2 "Value Encoding" names
    /// those two). STOMP is the same frame as CONNECT under the name 1.1 added, so it reads the same.
    /// </summary>
    public static bool IsHandshake(StompCommand command) =>
        command is StompCommand.Connect or StompCommand.Stomp or StompCommand.Connected;

    /// <summary>Only SEND, MESSAGE and ERROR may carry a body (1.1 and 1.2 "STOMP Frames"; 1.0 is silent).</summary>
    public static bool MayHaveBody(StompCommand command) =>
        command is StompCommand.Send or StompCommand.Message or StompCommand.Error;
}
