using System.Net.Sockets;
using System.Reflection;

namespace Courier.Server.Hosting;

/// <summary>
/// Where the runtime runs a socket operation's completion on Linux: on the epoll thread that saw
/// the socket ready (inline), or on a thread-pool thread the epoll thread hands it to (the
/// runtime's default). With Kestrel's <c>UnsafePreferInlineScheduling</c> (see
/// <see cref="CourierHost"/>) a connection's reader loop runs on the thread that completed its
/// receive, so inline completions take the one thread hop left between the kernel and the
/// protocol's parser out of every read: the largest piece of an MQTT QoS 1 delivery's latency
/// at a low rate (docs/benchmarks.md, "Where the time goes").
/// </summary>
/// <remarks>
/// The runtime reads <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> (<c>1</c> turns it on;
/// there is no AppContext switch) once, into a static field of its socket engine, when the
/// process's first asynchronous socket is set up, and inline mode also gives it one epoll
/// thread per processor instead of one. So the setting is process-wide and must be in the
/// environment before any socket exists: <see cref="Apply"/> is called by the <c>courier</c>
/// executable once its settings are read, before the host is built. A host embedded in another
/// process (the tests) keeps whatever that process's environment says.
/// The price: every read handler (AMQP, MQTT, STOMP, WebSocket, HTTP) then runs on an epoll
/// thread, and anything it blocks on holds up every other socket that thread serves
/// (docs/architecture.md, "What runs on the epoll threads").
/// </remarks>
public static class SocketCompletions
{
    /// <summary>The runtime's environment variable.</summary>
    public const string EnvironmentVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Puts <see cref="SocketSettings.InlineCompletions"/> into the process's environment, where
    /// the runtime will read it when the first socket is made; the setting wins over a value of
    /// the variable inherited from the caller's environment.
    /// </summary>
    public static void Apply(ServerOptions options) =>
        Environment.SetEnvironmentVariable(EnvironmentVariable, options.Sockets.InlineCompletions ? "1" : "0");

    /// <summary>
    /// Whether this process's socket completions do run inline, as the runtime's socket engine
    /// decided it (read from the engine itself, which fixes the mode if no socket has yet);
    /// null if this runtime's engine does not say (another platform, or a runtime that moved it).
    /// </summary>
    public static bool? RuntimeInlineCompletions()
    {
        var engine = typeof(Socket).Assembly.GetType("System.Net.Sockets.SocketAsyncEngine");
        var field = engine?.GetField("InlineSocketCompletionsEnabled", BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public);
        return field?.GetValue(null) as bool?;
    }

    /// <summary>How the log's start-up line says it.</summary>
    public static string Describe(bool? inline) => inline switch
    {
        true => "inline on the epoll threads",
        false => "on the thread pool",
        null => "as the runtime decides (not known on this platform)",
    };
}
