using Courier.Server.Hosting;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>courier.json, then COURIER__* environment variables, then command-line flags.</summary>
/// <remarks>
/// One test sets COURIER__* variables, which are the process's: it runs alone (see
/// <see cref="ProcessEnvironmentCollection"/>), so no host another test class creates meanwhile
/// reads them, and no process a test starts inherits them.
/// </remarks>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("courier-config-").FullName;

    [Fact]
    public async Task Defaults_are_RabbitMQs_ports_and_a_data_directory_named_data()
    {
        await using var host = CourierHost.Create([]);
        Assert.Equal("./data", host.Options.DataDir);
        Assert.Equal(5672, host.Options.Amqp.Port);
        Assert.Equal(1883, host.Options.Mqtt.Port);
        Assert.True(host.Options.Mqtt.AllowAnonymous);
        Assert.Equal("guest", host.Options.Broker.DefaultUser);
        Assert.Equal(["guest"], host.Options.Broker.EffectiveLoopbackUsers);
    }

    [Fact]
    public async Task Command_line_flags_set_the_data_directory_and_the_amqp_listener()
    {
        await using var host = CourierHost.Create(["--data-dir", "/tmp/x", "--amqp-port", "5999", "--amqp-address", "127.0.0.1", "--amqp-heartbeat", "10"]);
        Assert.Equal("/tmp/x", host.Options.DataDir);
        Assert.Equal(5999, host.Options.Amqp.Port);
        Assert.Equal("127.0.0.1", host.Options.Amqp.Address);
        Assert.Equal(10, host.Options.Amqp.Heartbeat);
    }

    [Fact]
    public async Task Socket_completions_are_inline_by_default_and_a_flag_leaves_them_to_the_thread_pool()
    {
        // The options only: applying them (SocketCompletions.Apply) changes this test process's
        // environment, so the child-process tests in Courier.IntegrationTests check that part.
        await using (var host = CourierHost.Create([]))
        {
            Assert.True(host.Options.Sockets.InlineCompletions);
        }

        await using (var host = CourierHost.Create(["--socket-inline-completions", "false"]))
        {
            Assert.False(host.Options.Sockets.InlineCompletions);
        }

        Assert.Throws<ConfigurationException>(() => CourierHost.Create(["--socket-inline-completions", "sometimes"]));
    }

    [Fact]
    public async Task Command_line_flags_set_the_mqtt_listener()
    {
        await using var host = CourierHost.Create(["--mqtt-port", "1999", "--mqtt-address", "127.0.0.1", "--mqtt-allow-anonymous", "false", "--mqtt-max-packet-size", "65536", "--mqtt-prefetch", "5"]);
        Assert.Equal(1999, host.Options.Mqtt.Port);
        Assert.Equal("127.0.0.1", host.Options.Mqtt.Address);
        Assert.False(host.Options.Mqtt.AllowAnonymous);
        Assert.Equal(65536, host.Options.Mqtt.MaxPacketSize);
        Assert.Equal(5, host.Options.Mqtt.Prefetch);
    }

    [Fact]
    public async Task A_config_file_is_read_and_flags_override_it()
    {
        var file = Path.Combine(_dir, "courier.json");
        await File.WriteAllTextAsync(file, """{ "DataDir": "/from/file", "Amqp": { "Port": 6001, "FrameMax": 65536 } }""");

        await using (var fromFile = CourierHost.Create(["--config", file]))
        {
            Assert.Equal("/from/file", fromFile.Options.DataDir);
            Assert.Equal(6001, fromFile.Options.Amqp.Port);
            Assert.Equal(65536u, fromFile.Options.Amqp.FrameMax);
        }

        await using var overridden = CourierHost.Create(["--config", file, "--amqp-port", "6002"]);
        Assert.Equal(6002, overridden.Options.Amqp.Port);
        Assert.Equal("/from/file", overridden.Options.DataDir);
    }

    [Fact]
    public async Task Environment_variables_override_the_file_and_flags_override_them()
    {
        var file = Path.Combine(_dir, "courier.json");
        await File.WriteAllTextAsync(file, """{ "Amqp": { "Port": 6001, "ChannelMax": 100 } }""");
        Environment.SetEnvironmentVariable("COURIER__AMQP__CHANNELMAX", "200");
        Environment.SetEnvironmentVariable("COURIER__AMQP__PORT", "6003");
        try
        {
            await using (var fromEnvironment = CourierHost.Create(["--config", file]))
            {
                Assert.Equal(200, fromEnvironment.Options.Amqp.ChannelMax);
                Assert.Equal(6003, fromEnvironment.Options.Amqp.Port);
            }

            await using var fromFlag = CourierHost.Create(["--config", file, "--amqp-port", "6004"]);
            Assert.Equal(6004, fromFlag.Options.Amqp.Port);
        }
        finally
        {
            Environment.SetEnvironmentVariable("COURIER__AMQP__CHANNELMAX", null);
            Environment.SetEnvironmentVariable("COURIER__AMQP__PORT", null);
        }
    }

    [Fact]
    public async Task Port_zero_binds_a_free_port_and_reports_it()
    {
        await using var host = CourierHost.Create([.. LoopbackListeners.Args, "--data-dir", Path.Combine(_dir, "data")]);
        await host.StartAsync();
        Assert.NotEqual(0, host.AmqpEndPoint.Port);
        Assert.NotEqual(0, host.MqttEndPoint.Port);
        Assert.True(Directory.Exists(Path.Combine(_dir, "data")));
        await host.StopAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>Test classes that change the process's environment variables: run with no other class alongside.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    public const string Name = "process environment";
}
