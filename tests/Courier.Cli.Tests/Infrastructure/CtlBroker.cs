using System.Collections.Concurrent;
using Courier.Cli;
using Courier.Server.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Courier.Cli.Tests.Infrastructure;

/// <summary>
/// A Courier node in the test process with every listener on a free loopback port, and courierctl
/// pointed at its management API. Disposing it stops the node and fails the test if the server
/// logged an error.
/// </summary>
public sealed class CtlBroker : IAsyncDisposable
{
    private readonly ErrorCollector _errors;
    private readonly string _dataDir;

    private CtlBroker(CourierHost host, ErrorCollector errors, string dataDir)
    {
        Host = host;
        _errors = errors;
        _dataDir = dataDir;
    }

    public CourierHost Host { get; }

    public string Url => $"http://127.0.0.1:{Host.EndPointOf("http").Port}";

    public static async Task<CtlBroker> StartAsync()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "courier-ctl-test-" + Guid.NewGuid().ToString("N"));
        var errors = new ErrorCollector();
        var host = CourierHost.Create(
            ["--amqp-address", "127.0.0.1", "--amqp-port", "0", "--mqtt-address", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0",
             "--stomp-address", "127.0.0.1", "--stomp-port", "0", "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0",
             "--http-address", "127.0.0.1", "--http-port", "0", "--prometheus-address", "127.0.0.1", "--prometheus-port", "0", "--data-dir", dataDir],
            logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(errors);
            });
        await host.StartAsync();
        return new CtlBroker(host, errors, dataDir);
    }

    /// <summary>The ready messages of a queue as the broker counts them, or -1 when it does not exist.</summary>
    public long MessagesIn(string queue, string vhost = "/") =>
        Host.Broker.TryGetVirtualHost(vhost, out var virtualHost) && virtualHost.TryGetQueue(queue, out var found) ? found.MessageCount : -1;

    /// <summary>Runs courierctl in process against this node (<c>--url</c> added), capturing its output.</summary>
    public async Task<CtlResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = await CourierCtl.RunAsync(["--url", Url, .. args], output, error, new Dictionary<string, string?>());
        return new CtlResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs courierctl and fails the test unless it exits 0.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync(args);
        Assert.True(result.Exit == 0, $"courierctl {string.Join(' ', args)} exited {result.Exit}: {result.Error}{result.Output}");
        return result.Output;
    }

    public Task<IConnection> ConnectAsync(string user = "guest", string password = "guest", string vhost = "/", string? name = null) =>
        new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = Host.AmqpEndPoint.Port,
            UserName = user,
            Password = password,
            VirtualHost = vhost,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ContinuationTimeout = TimeSpan.FromSeconds(30),
        }.CreateConnectionAsync(name);

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await Host.StopAsync(timeout.Token);
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        Assert.True(_errors.Errors.IsEmpty, "the server logged errors:\n" + string.Join("\n", _errors.Errors));
    }

    private sealed class ErrorCollector : ILoggerProvider
    {
        public ConcurrentQueue<string> Errors { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorCollector owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel >= LogLevel.Error)
                {
                    owner.Errors.Enqueue($"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}");
                }
            }
        }
    }
}

/// <summary>What one courierctl run left: its exit code and both streams.</summary>
public sealed record CtlResult(int Exit, string Output, string Error)
{
    /// <summary>The table's rows (header first), each split on its runs of spaces.</summary>
    public IReadOnlyList<string[]> Rows => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.TrimEnd('\r').Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        .ToList();
}
