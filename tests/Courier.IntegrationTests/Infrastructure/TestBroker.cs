using System.Collections.Concurrent;
using Courier.Server.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Infrastructure;

/// <summary>
/// A Courier node started in the test process on a free loopback port. Disposing it stops the node
/// and fails the test if the server logged an error it was not told to expect.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly CollectingLoggerProvider _logs;
    private readonly string _dataDir;

    private TestBroker(CourierHost host, CollectingLoggerProvider logs, string dataDir)
    {
        Host = host;
        _logs = logs;
        _dataDir = dataDir;
    }

    public CourierHost Host { get; }

    public int AmqpPort => Host.AmqpEndPoint.Port;

    public int MqttPort => Host.MqttEndPoint.Port;

    public int StompPort => Host.EndPointOf("stomp").Port;

    /// <summary>Set when a test provokes server-side errors on purpose.</summary>
    public bool ErrorsExpected { get; set; }

    public IReadOnlyCollection<string> Logs => _logs.Entries;

    public static Task<TestBroker> StartAsync(Action<ServerOptions>? configure = null, params string[] args) =>
        StartAsync(configure, configureServices: null, args);

    public static async Task<TestBroker> StartAsync(Action<ServerOptions>? configure, Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? configureServices, params string[] args)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "courier-test-" + Guid.NewGuid().ToString("N"));
        var logs = new CollectingLoggerProvider();
        var host = CourierHost.Create(
            ["--amqp-address", "127.0.0.1", "--amqp-port", "0", "--mqtt-address", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0", "--stomp-address", "127.0.0.1", "--stomp-port", "0", "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0", "--http-address", "127.0.0.1", "--http-port", "0", "--prometheus-address", "127.0.0.1", "--prometheus-port", "0", "--data-dir", dataDir, .. args],
            logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(logs);
                logging.SetMinimumLevel(LogLevel.Debug);
            },
            configure,
            configureServices);
        await host.StartAsync();
        return new TestBroker(host, logs, dataDir);
    }

    public ConnectionFactory Factory(Action<ConnectionFactory>? configure = null)
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = AmqpPort,
            UserName = "guest",
            Password = "guest",
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromSeconds(30),
            ContinuationTimeout = Wait.DefaultTimeout,
        };
        configure?.Invoke(factory);
        return factory;
    }

    public Task<IConnection> ConnectAsync(Action<ConnectionFactory>? configure = null) => Factory(configure).CreateConnectionAsync();

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(Wait.DefaultTimeout);
        await Host.StopAsync(timeout.Token);
        await Host.DisposeAsync();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        if (!ErrorsExpected)
        {
            var errors = _logs.Errors;
            Assert.True(errors.Count == 0, "the server logged errors:\n" + string.Join("\n", errors));
        }
    }

    private sealed class CollectingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _entries = new();
        private readonly ConcurrentQueue<string> _errors = new();

        public IReadOnlyCollection<string> Entries => _entries;

        public IReadOnlyCollection<string> Errors => _errors;

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CollectingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = $"{logLevel} {category}[{eventId.Id}] {formatter(state, exception)} {exception}";
                owner._entries.Enqueue(line);
                if (logLevel >= LogLevel.Error)
                {
                    owner._errors.Enqueue(line);
                }
            }
        }
    }
}
