using System.Diagnostics;
using System.Net;
using Courier.Amqp091.Connections;
using Courier.Mqtt.Retained;
using Courier.Mqtt.Server;
using Courier.Core;
using Courier.Core.Delayed;
using Courier.Core.Resources;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Storage;
using Courier.Storage.Deduplication;
using Courier.Storage.Definitions;
using Courier.Storage.Delayed;
using Courier.Storage.Devices;
using Courier.Storage.Directories;
using Courier.Storage.Journal;
using Courier.Storage.Keyed;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Hosting;

/// <summary>
/// A complete Courier node: the broker core and its protocol listeners on Kestrel. The executable
/// runs one; tests and embedders start one in process on port 0 and read <see cref="EndPointOf"/>.
/// </summary>
public sealed class CourierHost : IAsyncDisposable
{
    /// <summary>Flag names and the configuration keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> SwitchMappings = new Dictionary<string, string>
    {
        ["--data-dir"] = "DataDir",
        ["--amqp-address"] = "Amqp:Address",
        ["--amqp-port"] = "Amqp:Port",
        ["--amqp-frame-max"] = "Amqp:FrameMax",
        ["--amqp-channel-max"] = "Amqp:ChannelMax",
        ["--amqp-heartbeat"] = "Amqp:Heartbeat",
        ["--mqtt-address"] = "Mqtt:Address",
        ["--mqtt-port"] = "Mqtt:Port",
        ["--mqtt-allow-anonymous"] = "Mqtt:AllowAnonymous",
        ["--mqtt-max-packet-size"] = "Mqtt:MaxPacketSize",
        ["--mqtt-prefetch"] = "Mqtt:Prefetch",
        ["--mqtt-ws-address"] = "MqttWebSockets:Address",
        ["--mqtt-ws-port"] = "MqttWebSockets:Port",
        ["--mqtt-ws-path"] = "MqttWebSockets:Path",
        ["--mqtt-topic-alias-maximum"] = "Mqtt:TopicAliasMaximum",
        ["--mqtt-max-keepalive"] = "Mqtt:MaxKeepAlive",
        ["--mqtt-max-session-expiry"] = "Mqtt:MaxSessionExpiry",
        ["--stomp-address"] = "Stomp:Address",
        ["--stomp-port"] = "Stomp:Port",
        ["--stomp-allow-anonymous"] = "Stomp:AllowAnonymous",
        ["--stomp-ws-address"] = "StompWebSockets:Address",
        ["--stomp-ws-port"] = "StompWebSockets:Port",
        ["--stomp-ws-path"] = "StompWebSockets:Path",
        ["--max-message-size"] = "Broker:MaxMessageSize",
        ["--commit-policy"] = "Storage:CommitPolicy",
        ["--memory-high-watermark"] = "Broker:MemoryHighWatermark",
        ["--disk-free-limit"] = "Broker:DiskFreeLimit",
        ["--queue-ready-in-memory"] = "Broker:QueueReadyInMemory",
        ["--log-level"] = "Log:Level",
        ["--log-file"] = "Log:File",
        ["--http-address"] = "Http:Address",
        ["--http-port"] = "Http:Port",
        ["--collect-statistics-interval"] = "Http:StatisticsIntervalMilliseconds",
        ["--http-enabled"] = "Http:Enabled",
        ["--prometheus-enabled"] = "Prometheus:Enabled",
        ["--prometheus-address"] = "Prometheus:Address",
        ["--prometheus-port"] = "Prometheus:Port",
        ["--tls-cert"] = "Tls:CertFile",
        ["--tls-key"] = "Tls:KeyFile",
        ["--tls-ca"] = "Tls:CaFile",
        ["--tls-verify"] = "Tls:Verify",
        ["--tls-fail-if-no-peer-cert"] = "Tls:FailIfNoPeerCert",
        ["--amqps-address"] = "Amqps:Address",
        ["--amqps-port"] = "Amqps:Port",
        ["--mqtts-address"] = "Mqtts:Address",
        ["--mqtts-port"] = "Mqtts:Port",
        ["--mqtt-wss-address"] = "MqttWebSocketsTls:Address",
        ["--mqtt-wss-port"] = "MqttWebSocketsTls:Port",
        ["--https-address"] = "Https:Address",
        ["--https-port"] = "Https:Port",
        ["--stomps-address"] = "Stomps:Address",
        ["--stomps-port"] = "Stomps:Port",
        ["--stomp-wss-address"] = "StompWebSocketsTls:Address",
        ["--stomp-wss-port"] = "StompWebSocketsTls:Port",
        ["--mqtt-ssl-cert-login"] = "Mqtt:SslCertLogin",
        ["--queue-head-bytes"] = "Broker:QueueHeadBytes",
        ["--max-connections"] = "Broker:MaxConnections",
        ["--max-connection-rate"] = "Broker:MaxConnectionRate",
        ["--socket-inline-completions"] = "Sockets:InlineCompletions",
    };

    private readonly WebApplication _app;

    private readonly JournalMessageStore _store;
    private DataDirectoryLock? _dataLock;

    private CourierHost(WebApplication app, IReadOnlyList<ProtocolListener> listeners, Broker broker, JournalMessageStore store, ServerOptions options)
    {
        _app = app;
        Listeners = listeners;
        _store = store;
        Broker = broker;
        Options = options;
    }

    public Broker Broker { get; }

    public ServerOptions Options { get; }

    /// <summary>Every protocol listener, in registration order.</summary>
    public IReadOnlyList<ProtocolListener> Listeners { get; }

    /// <summary>The address the AMQP listener is bound to (with the real port once started).</summary>
    public IPEndPoint AmqpEndPoint => EndPointOf(AmqpConnectionHandler.ProtocolName);

    /// <summary>The address the MQTT listener is bound to (with the real port once started).</summary>
    public IPEndPoint MqttEndPoint => EndPointOf(MqttConnectionHandler.ProtocolName);

    /// <summary>The address the MQTT-over-WebSockets listener is bound to (with the real port once started).</summary>
    public IPEndPoint MqttWebSocketEndPoint => EndPointOf(Protocols.MqttWebSocketProtocol);

    /// <summary>The address a protocol's listener is bound to (with the real port once started), by protocol name, e.g. <c>amqp</c>.</summary>
    public IPEndPoint EndPointOf(string protocol)
    {
        foreach (var listener in Listeners)
        {
            if (string.Equals(listener.Protocol, protocol, StringComparison.Ordinal))
            {
                return listener.EndPoint;
            }
        }

        throw new ArgumentException($"no listener for protocol '{protocol}'; this node has: {string.Join(", ", Listeners.Select(l => l.Protocol))}", nameof(protocol));
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>Builds a node from command-line arguments, environment and <c>courier.json</c>.</summary>
    /// <param name="configureServices">Runs after the defaults are registered, so an embedder (or a test) can replace one, e.g. the journal device.</param>
    public static CourierHost Create(
        string[] args,
        Action<ILoggingBuilder>? configureLogging = null,
        Action<ServerOptions>? configure = null,
        Action<IServiceCollection>? configureServices = null)
    {
        // The slim builder adds appsettings.json with reload on change before the sources are
        // replaced below, and its watcher stays: it watches the content root, usually the working
        // directory with the data directory in it, so every journal write woke a thread to read
        // an inotify event (as many wake-ups as fsyncs). Courier does not reload configuration.
        if (ServerCommandLine.Validate(args) is { } badArgument)
        {
            throw new ConfigurationException(badArgument);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        var configFile = FindConfigFile(args);
        builder.Configuration.Sources.Clear();
        builder.Configuration
            .AddJsonFile(configFile, optional: true, reloadOnChange: false)
            .AddEnvironmentVariables("COURIER__")
            .AddCommandLine(WithoutConfigFlag(args), SwitchMappings.ToDictionary(StringComparer.Ordinal));

        if (ServerCommandLine.ValidateKeys(builder.Configuration) is { } badKey)
        {
            throw new ConfigurationException(badKey);
        }

        var options = new ServerOptions();
        try
        {
            builder.Configuration.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder's message names the key and the value it could not convert.
            throw new ConfigurationException(e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message, e);
        }

        // An empty JSON array reaches the binder as an empty value, which it leaves unbound: it
        // means "nobody", not "not set".
        if (options.Broker.LoopbackUsers is null && builder.Configuration["Broker:LoopbackUsers"] is "")
        {
            options.Broker.LoopbackUsers = [];
        }

        configure?.Invoke(options);

        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
        });
        if (options.Log.File is { Length: > 0 } logFile)
        {
            builder.Logging.AddProvider(new FileLoggerProvider(logFile));
        }

        builder.Logging.SetMinimumLevel(options.Log.Level);
        builder.Logging.AddFilter("Microsoft", (LogLevel)Math.Max((int)LogLevel.Warning, (int)options.Log.Level));
        configureLogging?.Invoke(builder.Logging);

        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));

        var dataDir = Path.GetFullPath(options.DataDir);
        var brokerOptions = new BrokerOptions
        {
            DefaultUser = options.Broker.DefaultUser,
            DefaultPassword = options.Broker.DefaultPassword,
            DefaultVirtualHost = options.Broker.DefaultVirtualHost,
            ApplyDefaultUserOnEveryStart = builder.Configuration["Broker:DefaultUser"] is not null
                || builder.Configuration["Broker:DefaultPassword"] is not null,
            LoopbackUsers = options.Broker.EffectiveLoopbackUsers,
            MaxMessageSize = options.Broker.MaxMessageSize,
        };
        var journalOptions = JournalOptionsFrom(options.Storage);
        builder.Services.AddSingleton<IJournalDevice>(_ => new FileJournalDevice(Path.Combine(dataDir, "journal")));
        builder.Services.AddSingleton(services => new JournalMessageStore(
            services.GetRequiredService<IJournalDevice>(),
            journalOptions,
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.Storage"),
            services.GetService<IReplicationStage>())
        {
            DiskSpace = services.GetRequiredService<ResourceMonitor>(),
        });
        var limits = new ResourceLimits
        {
            MemoryHighWatermark = options.Broker.MemoryHighWatermark <= 1
                ? (long)(options.Broker.MemoryHighWatermark * GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)
                : (long)options.Broker.MemoryHighWatermark,
            DiskFreeLimit = options.Broker.DiskFreeLimit,
            QueueReadyInMemory = options.Broker.QueueReadyInMemory,
            QueueHeadBytes = options.Broker.QueueHeadBytes,
            MaxConnections = options.Broker.MaxConnections,
            MaxConnectionRate = options.Broker.MaxConnectionRate,
        };
        builder.Services.AddSingleton(services => new ResourceMonitor(
            limits,
            services.GetRequiredService<TimeProvider>(),
            () => new DriveInfo(FirstExisting(dataDir)).AvailableFreeSpace));
        builder.Services.AddSingleton(services => new DelayedMessageStore(services.GetRequiredService<JournalMessageStore>(), Path.Combine(dataDir, "delayed")));
        builder.Services.AddSingleton(services => new FileKeyedLogStore(
            dataDir,
            new KeyedLogOptions { SyncToDisk = journalOptions.Policy != CommitPolicy.Never },
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.Storage"))
        {
            DiskSpace = services.GetRequiredService<ResourceMonitor>(),
        });
        builder.Services.AddSingleton(services => new Broker(
            brokerOptions,
            services.GetRequiredService<JournalMessageStore>(),
            new FileDefinitionStore(dataDir),
            services.GetRequiredService<ResourceMonitor>())
        {
            DeduplicationLogs = new FileDeduplicationLogStore(dataDir),
            KeyedLogs = services.GetRequiredService<FileKeyedLogStore>(),
            Time = services.GetRequiredService<TimeProvider>(),
            Warn = message => ServerLog.BrokerWarning(services.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.Core"), message),
            Delayed = new DelayedDelivery(services.GetRequiredService<DelayedMessageStore>(), services.GetRequiredService<TimeProvider>()),
        });
        builder.Services.AddSingleton(TimeProvider.System);
        var listeners = new ProtocolListeners(builder.Services);
        Protocols.Register(listeners, options);
        ManagementHosting.Register(listeners, options);

        configureServices?.Invoke(builder.Services);

        // A connection's reader loop runs on the thread that completed its socket receive, and a
        // flush of its writer loop sends on the flushing thread, instead of each going through
        // Kestrel's I/O queues: two thread hops fewer per message each way. With inline socket
        // completions (SocketCompletions) that thread is an epoll thread: the loops do not wait on
        // the disk's syncs (the journal's committer does), and what may block moves to the pool
        // first (IoThread; docs/architecture.md, "What runs on the epoll threads").
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(listeners.Bind);

        var app = builder.Build();
        ManagementHosting.Use(app, app.Services.GetRequiredService<Broker>(), options, listeners.All);
        _ = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value; // runs ConfigureKestrel
        return new CourierHost(app, listeners.All, app.Services.GetRequiredService<Broker>(), app.Services.GetRequiredService<JournalMessageStore>(), options);
    }

    // DriveInfo wants a path that exists; the data directory may not until the node starts.
    private static string FirstExisting(string path)
    {
        var current = path;
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }

        return current;
    }

    private static JournalOptions JournalOptionsFrom(StorageSettings settings) => new()
    {
        Policy = settings.CommitPolicy.ToUpperInvariant() switch
        {
            "ALWAYS" => CommitPolicy.Always,
            "BATCH" => CommitPolicy.Batch,
            "NEVER" => CommitPolicy.Never,
            _ => throw new ArgumentException($"Storage:CommitPolicy must be always, batch or never, not '{settings.CommitPolicy}'"),
        },
        BatchWindow = TimeSpan.FromMicroseconds(settings.BatchWindowMicroseconds),
        BatchBytes = settings.BatchBytes,
        SegmentSize = checked(settings.SegmentSizeMiB * 1024 * 1024),
    };

    public static string Version =>
        typeof(CourierHost).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Starts the listeners and returns once they accept connections.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var dataDir = Path.GetFullPath(Options.DataDir);
        Directory.CreateDirectory(dataDir);
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Courier.Server");

        // Before anything reads or upgrades the journal: one broker per data directory.
        _dataLock ??= DataDirectoryLock.Acquire(dataDir);

        // Recover before listening: clients see the broker only as it was when it stopped.
        var uncleanStop = UncleanStopMarker.WasLeftBy(dataDir);
        StoreRecovery? recovery = _store.Recover();
        var flagged = UncleanStopMarker.FlagMaybeDelivered(dataDir, uncleanStop, recovery.Queues, out var watermarkFailure);
        if (uncleanStop)
        {
            ServerLog.UncleanStop(logger, flagged);
        }

        if (watermarkFailure is not null)
        {
            ServerLog.UncleanStopMarkerFailed(logger, watermarkFailure);
        }

        Broker.Delayed!.RoutingFailed += e => ServerLog.DelayedRoutingFailed(logger, e);
        Broker.Restore(Broker.Definitions!.Load(), recovery.Queues);
        ServerLog.Recovered(
            logger,
            recovery.Messages,
            (long)recovery.Stats.Elapsed.TotalMilliseconds,
            recovery.Stats.Segments,
            recovery.Stats.Records,
            recovery.Stats.TruncatedBytes);
        ServerLog.DelayedRecovered(logger, Broker.Delayed.Scheduled);
        foreach (var topic in Options.Broker.TopicPermissions)
        {
            Broker.SetTopicPermission(topic.User, topic.VirtualHost, new TopicPermission(topic.Exchange, topic.Write, topic.Read));
        }

        ServerLog.RetainedLoaded(logger, RetainedStartup.Load(Broker));
        var stopping = new Stopwatch();
        _app.Lifetime.ApplicationStopped.Register(() =>
        {
            // The scheduler appends to the journal: it stops first.
            Broker.Delayed.Dispose();
            _app.Services.GetRequiredService<FileKeyedLogStore>().Dispose();
            _store.Dispose();
            RemoveUncleanStopMarker(dataDir, logger);
            ReleaseDataDirectory();

            // Measured here, inside the broker, from the stop being asked (SIGTERM) to the stores
            // closed: the bound operations.md promises, whatever the machine's load does to the
            // process's exit after it.
            ServerLog.Stopped(logger, stopping.ElapsedMilliseconds);
        });
        Broker.CompactionFailed += e => ServerLog.CompactionFailed(logger, e);
        Broker.StartCompaction(_app.Services.GetRequiredService<TimeProvider>(), TimeSpan.FromSeconds(10));
        _app.Lifetime.ApplicationStopping.Register(Broker.StopCompaction);

        PlaceUncleanStopMarker(dataDir, logger);

        // Recovery's scratch (an entry per message scanned) is garbage now; give it back to the
        // OS before clients arrive rather than carry it as resident memory.
        recovery = null;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        foreach (var listener in Listeners)
        {
            ServerLog.Listening(logger, listener.DisplayName, listener.EndPoint.ToString());
        }

        // As the runtime's socket engine has it now the listeners exist, not as configured: an
        // embedding process's own environment decides (SocketCompletions).
        ServerLog.SocketCompletions(logger, SocketCompletions.Describe(SocketCompletions.RuntimeInlineCompletions()));
        ServerLog.Started(logger, Version, dataDir);
        _app.Lifetime.ApplicationStopping.Register(() =>
        {
            stopping.Restart();
            ServerLog.Stopping(logger);
        });
    }

    /// <summary>Runs until SIGTERM or Ctrl-C, then closes client connections gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        await _app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        ReleaseDataDirectory();
    }

    private static void PlaceUncleanStopMarker(string dataDir, ILogger logger)
    {
        try
        {
            UncleanStopMarker.Place(dataDir);
        }
        catch (IOException e)
        {
            ServerLog.UncleanStopMarkerFailed(logger, e);
        }
    }

    private static void RemoveUncleanStopMarker(string dataDir, ILogger logger)
    {
        try
        {
            UncleanStopMarker.Remove(dataDir);
        }
        catch (IOException e)
        {
            ServerLog.UncleanStopMarkerFailed(logger, e);
        }
    }

    private void ReleaseDataDirectory() => Interlocked.Exchange(ref _dataLock, null)?.Dispose();

    private static string FindConfigFile(string[] args)
    {
        for (var i = 0; i < args.Length - 1; i++)
        {
            if (args[i] == "--config")
            {
                return Path.GetFullPath(args[i + 1]);
            }
        }

        return Path.GetFullPath("courier.json");
    }

    private static string[] WithoutConfigFlag(string[] args)
    {
        var list = new List<string>(args.Length);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--config")
            {
                i++;
                continue;
            }

            list.Add(args[i]);
        }

        return [.. list];
    }
}
