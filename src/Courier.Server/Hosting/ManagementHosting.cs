using Courier.Core;
using Courier.Management;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Courier.Server.Hosting;

/// <summary>
/// Serves the management API on the node's HTTP listener. Only that listener reaches the web
/// application's pipeline: the protocol listeners hand their connections to connection handlers,
/// so the API is never served on a protocol's port.
/// </summary>
internal static class ManagementHosting
{
    /// <summary>The protocol name of the management listener (for <see cref="CourierHost.EndPointOf"/>).</summary>
    public const string Protocol = "http";

    public static void Register(ProtocolListeners listeners, ServerOptions options) =>
        listeners.AddHttp(Protocol, "HTTP management API", options.Http);

    public static void Use(WebApplication app, Broker broker, ServerOptions options, IReadOnlyList<ProtocolListener> listeners)
    {
        var node = new ManagementNode
        {
            Name = "courier@" + Environment.MachineName,
            ProductVersion = CourierHost.Version,
            DataDirectory = Path.GetFullPath(options.DataDir),
            Listeners = () => [.. listeners.Select(l => (l.Protocol, l.EndPoint))],
        };
        var api = ManagementApi.Create(broker, node);
        var port = listeners.First(l => l.Protocol == Protocol);
        app.Run(context => context.Connection.LocalPort == port.EndPoint.Port ? api(context) : NotFound(context));
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
