using System.Diagnostics;
using Courier.Server.Hosting;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>Misspelt flags and settings are refused at start; --help and --version print and exit.</summary>
public sealed class CommandLineTests : IDisposable
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("courier-cli-").FullName;

    [Fact]
    public void An_unknown_flag_is_refused_with_the_closest_valid_one()
    {
        var error = Assert.Throws<ConfigurationException>(() => CourierHost.Create(["--amqp-prot", "5802"]));
        Assert.Contains("unknown option '--amqp-prot'", error.Message, StringComparison.Ordinal);
        Assert.Contains("did you mean --amqp-port?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--amqp-port")]
    [InlineData("stray")]
    [InlineData("--Amqp:Prot", "1")]
    [InlineData("--Broker")]
    public void Malformed_command_lines_are_refused(params string[] args)
    {
        Assert.NotNull(ServerCommandLine.Validate(args));
        Assert.Throws<ConfigurationException>(() => CourierHost.Create(args));
    }

    [Fact]
    public async Task A_setting_may_be_given_by_its_key_in_any_case()
    {
        Assert.Null(ServerCommandLine.Validate(["--Broker:MaxMessageSize", "1000", "--mqtt-port=1999", "--broker:loopbackusers:0", "x"]));
        await using var host = CourierHost.Create(["--Broker:MaxMessageSize", "1000", "--mqtt-port=1999", "--broker:loopbackusers:0", "x"]);
        Assert.Equal(1000, host.Options.Broker.MaxMessageSize);
        Assert.Equal(1999, host.Options.Mqtt.Port);
        Assert.Equal(["x"], host.Options.Broker.EffectiveLoopbackUsers);
    }

    [Fact]
    public async Task An_unknown_key_in_the_config_file_is_refused()
    {
        var file = Path.Combine(_dir, "courier.json");
        await File.WriteAllTextAsync(file, """{ "Amqp": { "Prot": 5802 } }""");
        var error = Assert.Throws<ConfigurationException>(() => CourierHost.Create(["--config", file]));
        Assert.Contains("'Amqp:Prot'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_loopback_user_list_in_the_config_file_leaves_guest_out()
    {
        var file = Path.Combine(_dir, "courier.json");
        await File.WriteAllTextAsync(file, """{ "Broker": { "LoopbackUsers": [] } }""");
        await using var host = CourierHost.Create(["--config", file]);
        Assert.Empty(host.Options.Broker.EffectiveLoopbackUsers);
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<ConfigurationException>(() => CourierHost.Create(["--amqp-port", "abc"]));
        Assert.Contains("Amqp:Port", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_of_every_source_is_checked()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mqtt:Port"] = "1", ["Storage:SegmentSizeMib"] = "2" })
            .Build();
        Assert.Null(ServerCommandLine.ValidateKeys(configuration));

        var misspelt = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:SegmentSize"] = "2" })
            .Build();
        Assert.Contains("Storage:SegmentSize", ServerCommandLine.ValidateKeys(misspelt), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_flag_has_a_description_in_the_help()
    {
        var help = ServerCommandLine.Help();
        foreach (var flag in CourierHost.SwitchMappings.Keys)
        {
            Assert.True(ServerCommandLine.Descriptions.ContainsKey(flag), $"{flag} has no description in ServerCommandLine.Descriptions");
            Assert.Contains(flag + " ", help, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_executable_prints_help_and_version_and_exits()
    {
        var help = await RunAsync(["--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--amqp-port", help.Output, StringComparison.Ordinal);

        var version = await RunAsync(["--version"]);
        Assert.Equal(0, version.ExitCode);
        Assert.Equal($"courier {CourierHost.Version}", version.Output.Trim());
    }

    [Fact]
    public async Task The_executable_refuses_an_unknown_flag_or_variable_and_starts_nothing()
    {
        var flag = await RunAsync(["--amqp-prot", "5802", "--data-dir", Path.Combine(_dir, "data")]);
        Assert.Equal(2, flag.ExitCode);
        Assert.Contains("unknown option '--amqp-prot'", flag.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")));

        var variable = await RunAsync(["--data-dir", Path.Combine(_dir, "data")], ("COURIER__Amqp__Prot", "5802"));
        Assert.Equal(2, variable.ExitCode);
        Assert.Contains("unknown setting 'Amqp:Prot'", variable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_default_user_set_by_the_operator_takes_effect_on_an_existing_data_directory()
    {
        var dataDir = Path.Combine(_dir, "data");
        string[] common = ["--data-dir", dataDir, .. LoopbackListeners.Args];
        await using (var first = CourierHost.Create(common))
        {
            await first.StartAsync();
            await ConnectAsync(first, "guest", "guest");
            await first.StopAsync();
        }

        await using (var configured = CourierHost.Create([.. common, "--Broker:DefaultUser", "admin", "--Broker:DefaultPassword", "s3cret"]))
        {
            await configured.StartAsync();
            await ConnectAsync(configured, "admin", "s3cret");
            await configured.StopAsync();
        }

        // Changed again: the configured password wins over the stored one.
        await using (var changed = CourierHost.Create([.. common, "--Broker:DefaultUser", "admin", "--Broker:DefaultPassword", "other"]))
        {
            await changed.StartAsync();
            await ConnectAsync(changed, "admin", "other");
            await Assert.ThrowsAsync<BrokerUnreachableException>(() => ConnectAsync(changed, "admin", "s3cret"));
            await changed.StopAsync();
        }

        // No longer configured: the stored user stays as it was last set.
        await using var later = CourierHost.Create(common);
        await later.StartAsync();
        await ConnectAsync(later, "admin", "other");
        await later.StopAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task ConnectAsync(CourierHost host, string user, string password)
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = host.AmqpEndPoint.Port,
            UserName = user,
            Password = password,
            AutomaticRecoveryEnabled = false,
        };
        await using var connection = await factory.CreateConnectionAsync();
        Assert.True(connection.IsOpen);
        await connection.CloseAsync();
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir, // no courier.json of anyone else's
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "courier.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"courier {string.Join(' ', args)} did not exit within {ProcessTimeout}");
        }

        return (process.ExitCode, await output, await error);
    }
}
