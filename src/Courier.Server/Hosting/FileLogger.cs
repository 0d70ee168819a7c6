using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Courier.Server.Hosting;

/// <summary>
/// Writes log lines to a file (<c>--log-file</c>), in the console's single-line format, besides
/// the console: appended, written by one background task so a logging thread never waits for the
/// disk, and flushed whenever the queue runs empty. Lines are dropped, and counted in the next
/// line written, if the disk falls more than 10,000 lines behind.
/// </summary>
internal sealed class FileLoggerProvider : ILoggerProvider
{
    private const int Capacity = 10_000;
    private readonly Channel<string> _lines = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });
    private readonly StreamWriter _writer;
    private readonly Task _pump;
    private long _dropped;

    public FileLoggerProvider(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
        _pump = Task.Run(PumpAsync);
    }

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    internal void Write(string line)
    {
        if (!_lines.Writer.TryWrite(line))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private async Task PumpAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var line))
            {
                if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
                {
                    await _writer.WriteLineAsync($"{DateTime.Now:yyyy-MM-dd HH:mm:ss.fff} warn: Courier.Server: {dropped} log lines dropped (the log file fell behind)").ConfigureAwait(false);
                }

                await _writer.WriteLineAsync(line).ConfigureAwait(false);
            }

            await _writer.FlushAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _lines.Writer.TryComplete();
        try
        {
            _pump.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The disk failed; nothing more can be said about it here.
        }

        _writer.Dispose();
    }

    private sealed class FileLogger(FileLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var line = $"{DateTime.Now:yyyy-MM-dd HH:mm:ss.fff} {Level(logLevel)}: {category}[{eventId.Id}] {formatter(state, exception)}";
            provider.Write(exception is null ? line : line + " " + exception.ToString().ReplaceLineEndings(" | "));
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
