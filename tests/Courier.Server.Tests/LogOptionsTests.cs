using Courier.Server.Hosting;
using Xunit;

namespace Courier.Server.Tests;

/// <summary><c>--log-file</c> appends the log to a file besides the console; <c>--log-level</c> sets how much is logged.</summary>
public sealed class LogOptionsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("courier-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("Information", true)]
    [InlineData("Warning", false)]
    public async Task The_log_file_gets_the_lines_of_the_level_asked_for(string level, bool startLineExpected)
    {
        var logFile = Path.Combine(_directory, "logs", "courier.log");
        var courier = CourierHost.Create([.. LoopbackListeners.Args, "--data-dir", Path.Combine(_directory, "data"), "--log-file", logFile, "--log-level", level]);
        await courier.StartAsync();
        await courier.StopAsync();
        await courier.DisposeAsync();

        var text = await File.ReadAllTextAsync(logFile);
        Assert.Equal(startLineExpected, text.Contains(" started; data directory ", StringComparison.Ordinal));
        Assert.DoesNotContain("dbug:", text, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_level_is_refused_at_start()
    {
        var error = Assert.Throws<ConfigurationException>(() => CourierHost.Create(["--log-level", "Loud"]));
        Assert.Contains("Loud", error.Message, StringComparison.Ordinal);
    }
}
