using System.Globalization;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>Where the lean STOMP client connects, and as whom.</summary>
internal sealed record StompEndpoint(string Host, int Port, string Login, string Passcode)
{
    /// <summary>Reads <c>host:port</c> (port 61613 when absent) and <c>user:password</c>.</summary>
    public static StompEndpoint Parse(string endpoint, string credentials)
    {
        int colon = endpoint.LastIndexOf(':');
        string host = colon > 0 ? endpoint[..colon] : endpoint;
        int port = colon > 0 ? int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture) : 61613;
        int split = credentials.IndexOf(':', StringComparison.Ordinal);
        return split < 0
            ? new StompEndpoint(host, port, credentials, "")
            : new StompEndpoint(host, port, credentials[..split], credentials[(split + 1)..]);
    }

    public StompWireConnection Open(int bufferSize = 256 * 1024) => StompWireConnection.Open(Host, Port, Login, Passcode, bufferSize);

    public override string ToString() => $"stomp://{Host}:{Port}";
}
