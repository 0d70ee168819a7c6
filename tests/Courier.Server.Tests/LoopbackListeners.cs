namespace Courier.Server.Tests;

/// <summary>
/// The arguments that put every listener a host opens without a certificate on loopback and an
/// ephemeral port, so that test hosts never compete for the default ports (with each other, run in
/// parallel, or with anything else on the machine).
/// </summary>
internal static class LoopbackListeners
{
    public static readonly string[] Args =
    [
        "--amqp-address", "127.0.0.1", "--amqp-port", "0",
        "--mqtt-address", "127.0.0.1", "--mqtt-port", "0",
        "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0",
        "--stomp-address", "127.0.0.1", "--stomp-port", "0",
        "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0",
        "--http-address", "127.0.0.1", "--http-port", "0",
        "--prometheus-address", "127.0.0.1", "--prometheus-port", "0",
    ];
}
