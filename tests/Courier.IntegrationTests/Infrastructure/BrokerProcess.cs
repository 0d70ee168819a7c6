using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Infrastructure;

/// <summary>
/// A Courier node run as a real child process (<c>dotnet courier.dll</c>) on a loopback port, over a
/// data directory that outlives it, so a test can SIGKILL it mid-write and start it again on what
/// the dead process left on disk. Every line the process writes is kept; disposing always kills
/// the process and deletes the data directory.
/// </summary>
/// <remarks>
/// The node logs with the console formatter, one line per entry (<c>... info: Category[id] text</c>);
/// <see cref="ErrorLines"/> are those at Error or Critical level, plus anything on stderr.
/// </remarks>
public sealed class BrokerProcess : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120); // a liveness bound: a loaded machine has taken close to 60 s
    public static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(20);

    private const int Sigterm = 15;
    private const string StartedLine = " started; data directory ";

    private readonly string _root;
    private readonly string[] _extraArgs;
    private readonly Action<string> _log;
    private readonly ConcurrentQueue<(int Run, bool Stderr, string Text)> _lines = new();
    private readonly HashSet<int> _abandonedRuns = [];
    private Process? _process;

    private BrokerProcess(string root, string[] extraArgs, Action<string> log)
    {
        _root = root;
        _extraArgs = extraArgs;
        _log = log;
        DataDir = Path.Combine(root, "data");
    }

    /// <summary>The server assembly, copied next to the tests because they reference Courier.Server.</summary>
    public static string ServerAssembly => Path.Combine(AppContext.BaseDirectory, "courier.dll");

    public string DataDir { get; }

    public int AmqpPort { get; private set; }

    /// <summary>The MQTT port of the current run: the node picks a free one, and says which when it listens.</summary>
    public int MqttPort
    {
        get
        {
            var line = RunLinesContaining("Listening for MQTT 3.1").Last(); // not "MQTT over WebSockets"
            return int.Parse(line[(line.LastIndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The STOMP port of the current run: the node picks a free one, and says which when it listens.</summary>
    public int StompPort
    {
        get
        {
            var line = RunLinesContaining("Listening for STOMP 1.0").Last(); // not "STOMP over WebSockets"
            return int.Parse(line[(line.LastIndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>How many times the process has been started.</summary>
    public int Runs { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Every line written so far, stdout and stderr, each prefixed with its run number.</summary>
    public IReadOnlyList<string> Lines => [.. _lines.Select(Format)];

    /// <summary>
    /// Starts a node over a new, empty data directory. <paramref name="log"/> hears what the
    /// harness does (starts, kills, exits); <paramref name="extraArgs"/> go to the command line.
    /// </summary>
    public static async Task<BrokerProcess> StartAsync(Action<string> log, params string[] extraArgs)
    {
        Assert.True(File.Exists(ServerAssembly), $"{ServerAssembly} is missing: the test project must reference Courier.Server");
        var root = Path.Combine(Path.GetTempPath(), "courier-crash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var broker = new BrokerProcess(root, extraArgs, log);
        try
        {
            await broker.RestartAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>
    /// Starts the process again on the same data directory (and the same port when it is still
    /// free) and returns once it accepts connections. The previous run must have ended.
    /// </summary>
    public async Task RestartAsync()
    {
        Assert.False(IsRunning, "the broker is still running");
        var port = AmqpPort == 0 ? FreePort() : AmqpPort;
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            if (await TryStartAsync(port))
            {
                return;
            }

            // The port was taken between runs (by another test): take another one, and forget this run's errors.
            if (attempt == Attempts || !RunLines().Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
            {
                Assert.Fail($"the broker did not start (run {Runs}, port {port}):\n{string.Join("\n", RunLines())}");
            }

            _log($"port {port} was taken; run {Runs} abandoned");
            _abandonedRuns.Add(Runs);
            port = FreePort();
        }
    }

    /// <summary>SIGKILL (the whole process tree): no shutdown code runs, nothing buffered in the process reaches the disk.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        await WaitForExitAsync(process, "the killed broker");
        _log($"broker run {Runs} killed (pid {process.Id})");
    }

    /// <summary>
    /// A clean stop: SIGTERM, which the host answers by closing connections and the journal, then
    /// exiting with 0. Where signals cannot be sent (Windows) this falls back to <see cref="KillAsync"/>.
    /// Returns true when the stop was graceful.
    /// </summary>
    public async Task<bool> StopGracefullyAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            await KillAsync();
            return false;
        }

        Assert.True(NativeMethods.kill(process.Id, Sigterm) == 0, $"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        await WaitForExitAsync(process, "the broker to stop after SIGTERM");
        Assert.True(process.ExitCode == 0, $"the broker exited with {process.ExitCode} after SIGTERM:\n{string.Join("\n", RunLines())}");
        _log($"broker run {Runs} stopped by SIGTERM (pid {process.Id})");
        return true;
    }

    public ConnectionFactory Factory() => new()
    {
        HostName = "127.0.0.1",
        Port = AmqpPort,
        UserName = "guest",
        Password = "guest",
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
        RequestedHeartbeat = TimeSpan.FromSeconds(30),
        ContinuationTimeout = TimeSpan.FromSeconds(20),
        ClientProvidedName = "courier-crash-tests",
    };

    public Task<IConnection> ConnectAsync() => Factory().CreateConnectionAsync();

    /// <summary>Lines logged at Error or Critical level, and anything written to stderr, in every run so far.</summary>
    public IReadOnlyList<string> ErrorLines() =>
    [
        .. _lines
            .Where(l => !_abandonedRuns.Contains(l.Run))
            .Where(l => l.Stderr || l.Text.Contains(" fail: ", StringComparison.Ordinal) || l.Text.Contains(" crit: ", StringComparison.Ordinal))
            .Select(Format),
    ];

    /// <summary>Fails the test if any run logged an error not matched by <paramref name="expected"/>.</summary>
    public void AssertNoErrorsLogged(params string[] expected)
    {
        var unexpected = ErrorLines().Where(l => !expected.Any(e => l.Contains(e, StringComparison.Ordinal))).ToList();
        Assert.True(unexpected.Count == 0, "the broker logged errors:\n" + string.Join("\n", unexpected));
    }

    /// <summary>Lines of the current (or last) run that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> RunLinesContaining(string text) => [.. RunLines().Where(l => l.Contains(text, StringComparison.Ordinal))];

    public async ValueTask DisposeAsync()
    {
        // What the node warned about, in every run, for the output of a test that fails (a client
        // that saw its connection drop says nothing of why; the node's log does).
        foreach (var line in _lines.Where(l => l.Stderr || IsWarningOrWorse(l.Text)).TakeLast(40))
        {
            _log(Format(line));
        }

        try
        {
            if (_process is { } process)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    using var timeout = new CancellationTokenSource(ExitTimeout);
                    await process.WaitForExitAsync(timeout.Token);
                }

                process.Dispose();
            }
        }
        finally
        {
            try
            {
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _log($"could not delete {_root}: {e.Message}");
            }
        }
    }

    private async Task<bool> TryStartAsync(int port)
    {
        _process?.Dispose();
        Runs++;
        var run = Runs;
        var started = Stopwatch.StartNew();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var info = new ProcessStartInfo(DotnetHost())
        {
            // Not the test's directory: a courier.json lying there would be read.
            WorkingDirectory = _root,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var arg in (string[])[ServerAssembly, "--amqp-address", "127.0.0.1", "--amqp-port", port.ToString(CultureInfo.InvariantCulture), "--mqtt-address", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0", "--stomp-address", "127.0.0.1", "--stomp-port", "0", "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0", "--http-address", "127.0.0.1", "--http-port", "0", "--prometheus-address", "127.0.0.1", "--prometheus-port", "0", "--data-dir", DataDir, .. _extraArgs])
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("COURIER__", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            _lines.Enqueue((run, false, e.Data));
            // The node's last start-up line, after every listener's: all their ports are known then.
            if (e.Data.Contains(StartedLine, StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                _lines.Enqueue((run, true, e.Data));
            }
        };
        Assert.True(process.Start(), "the broker process did not start");
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Ready means both: the node said it listens, and a TCP connect to the port succeeds.
        using var deadline = new CancellationTokenSource(StartTimeout);
        var exited = process.WaitForExitAsync(deadline.Token);
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(Timeout.Infinite, deadline.Token));
        if (first != listening.Task)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"the broker did not listen within {StartTimeout}:\n{string.Join("\n", RunLines())}");
            }

            await process.WaitForExitAsync(CancellationToken.None);
            return false;
        }

        await WaitUntilAcceptingAsync(port, process, deadline.Token);
        AmqpPort = port;
        _log($"broker run {run} listening on 127.0.0.1:{port} (pid {process.Id}) after {started.ElapsedMilliseconds} ms");
        return true;
    }

    private static async Task WaitUntilAcceptingAsync(int port, Process process, CancellationToken deadline)
    {
        while (true)
        {
            Assert.False(process.HasExited, "the broker exited while starting");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port, deadline);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20, deadline);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                Assert.Fail($"port {port} did not accept connections within {StartTimeout}");
            }
        }
    }

    private async Task WaitForExitAsync(Process process, string what)
    {
        using var timeout = new CancellationTokenSource(ExitTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"timed out waiting for {what} to exit:\n{string.Join("\n", RunLines().TakeLast(20))}");
        }
    }

    private IEnumerable<string> RunLines()
    {
        var run = Runs;
        return _lines.Where(l => l.Run == run).Select(Format);
    }

    private static bool IsWarningOrWorse(string text) =>
        text.Contains(" warn: ", StringComparison.Ordinal) || text.Contains(" fail: ", StringComparison.Ordinal) || text.Contains(" crit: ", StringComparison.Ordinal);

    private static string Format((int Run, bool Stderr, string Text) line) =>
        line.Stderr ? $"[{line.Run}] stderr: {line.Text}" : $"[{line.Run}] {line.Text}";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs the broker with <paramref name="args"/> until it exits by itself (it is expected to
    /// refuse to start), and returns its exit code and what it wrote to stderr, trimmed.
    /// </summary>
    public static async Task<(int ExitCode, string Error)> RunUntilExitAsync(params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])[ServerAssembly, .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await Wait.ForAsync(process.WaitForExitAsync(), "the broker to exit", StartTimeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }

        await stdout;
        return (process.ExitCode, (await stderr).Trim());
    }

    /// <summary>The dotnet host running these tests (the SDK tells child processes where it is).</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int kill(int pid, int signal);
    }
}
