using Courier.Core;
using Courier.Core.Concurrency;
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
        // Off (--http-enabled false, --prometheus-enabled false): not listened on at all, and with
        // the API off its rate sampler does not run either.
        if (options.Http.Enabled)
        {
            listeners.AddHttp(Protocol, "HTTP management API", options.Http);
        }

        if (options.Prometheus.Enabled)
        {
            listeners.AddHttp(PrometheusProtocol, "Prometheus metrics", options.Prometheus);
        }

        if (options.Http.Enabled)
        {
            listeners.AddTls(Protocol, HttpsProtocol, "HTTP management API over TLS", options.Https);
        }
    }

    public static void Use(WebApplication app, Broker broker, ServerOptions options, IReadOnlyList<ProtocolListener> listeners)
    {
        var apiListener = listeners.FirstOrDefault(l => l.Protocol == Protocol);
        var metricsListener = listeners.FirstOrDefault(l => l.Protocol == PrometheusProtocol);
        var httpsListener = listeners.FirstOrDefault(l => l.Protocol == HttpsProtocol);
        var node = new ManagementNode
        {
            Name = "courier@" + Environment.MachineName,
            ProductVersion = CourierHost.Version,
            DataDirectory = Path.GetFullPath(options.DataDir),
            Listeners = () => [.. listeners.Select(l => (l.Protocol, l.EndPoint))],
            Rates = apiListener is null ? null : new MessageRates(broker, TimeSpan.FromMilliseconds(options.Http.StatisticsIntervalMilliseconds), app.Services.GetRequiredService<TimeProvider>()),
        };
        if (node.Rates is { } rates)
        {
            app.Lifetime.ApplicationStopping.Register(rates.Dispose);
        }

        var api = ManagementApi.Create(broker, node);
        var metrics = PrometheusMetrics.Create(broker, node);
        app.Run(async context =>
        {
            // Kestrel runs a request on the thread that completed its socket's read, an epoll
            // thread when completions are inline: a listing of many queues, or a change that saves
            // the definitions with an fsync, would hold up every socket that thread serves.
            if (IoThread.MustLeave)
            {
                await IoThread.LeaveAsync();
            }

            var port = context.Connection.LocalPort;
            await (port == apiListener?.EndPoint.Port || port == httpsListener?.EndPoint.Port ? api(context)
                : port == metricsListener?.EndPoint.Port ? metrics(context)
                : NotFound(context)).ConfigureAwait(false);
        });
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
