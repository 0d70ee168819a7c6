using Courier.Core;
using Courier.Management;
using Courier.Management.Metrics;
using Courier.Management.Statistics;
using Microsoft.Extensions.DependencyInjection;
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

    /// <summary>The protocol name of the Prometheus listener.</summary>
    public const string PrometheusProtocol = "prometheus";

    /// <summary>The protocol name of the management API's TLS listener.</summary>
    public const string HttpsProtocol = "https";

    public static void Register(ProtocolListeners listeners, ServerOptions options)
    {
        listeners.AddHttp(Protocol, "HTTP management API", options.Http);
        listeners.AddHttp(PrometheusProtocol, "Prometheus metrics", options.Prometheus);
        listeners.AddTls(Protocol, HttpsProtocol, "HTTP management API over TLS", options.Https);
    }

    public static void Use(WebApplication app, Broker broker, ServerOptions options, IReadOnlyList<ProtocolListener> listeners)
    {
        var node = new ManagementNode
        {
            Name = "courier@" + Environment.MachineName,
            ProductVersion = CourierHost.Version,
            DataDirectory = Path.GetFullPath(options.DataDir),
            Listeners = () => [.. listeners.Select(l => (l.Protocol, l.EndPoint))],
            Rates = new MessageRates(broker, TimeSpan.FromMilliseconds(options.Http.StatisticsIntervalMilliseconds), app.Services.GetRequiredService<TimeProvider>()),
        };
        app.Lifetime.ApplicationStopping.Register(node.Rates.Dispose);
        var api = ManagementApi.Create(broker, node);
        var metrics = PrometheusMetrics.Create(broker, node);
        var apiListener = listeners.First(l => l.Protocol == Protocol);
        var metricsListener = listeners.First(l => l.Protocol == PrometheusProtocol);
        var httpsListener = listeners.FirstOrDefault(l => l.Protocol == HttpsProtocol);
        app.Run(context =>
        {
            var port = context.Connection.LocalPort;
            return port == apiListener.EndPoint.Port || port == httpsListener?.EndPoint.Port ? api(context)
                : port == metricsListener.EndPoint.Port ? metrics(context)
                : NotFound(context);
        });
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
