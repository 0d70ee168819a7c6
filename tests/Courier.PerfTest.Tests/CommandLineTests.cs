using Courier.PerfTest.Options;

namespace Courier.PerfTest.Tests;

public sealed class CommandLineTests
{
    [Fact]
    public void Producers_without_bounds_publish_for_ten_seconds()
    {
        var options = CommandLine.Parse([], out _);

        Assert.NotNull(options);
        Assert.Equal(10, options.DurationSeconds);
    }

    [Fact]
    public void A_message_count_replaces_the_default_duration()
    {
        var options = CommandLine.Parse(["-C", "1000"], out _);

        Assert.Equal(0, options!.DurationSeconds);
        Assert.Equal(1000, options.ProducerMessageCount);
    }

    [Fact]
    public void A_warm_up_is_read_and_defaults_to_none()
    {
        Assert.Equal(0, CommandLine.Parse([], out _)!.WarmupSeconds);
        Assert.Equal(2, CommandLine.Parse(["-r", "1000", "--warmup", "2"], out _)!.WarmupSeconds);
    }

    [Fact]
    public void Idle_connections_alone_are_held_for_no_longer_than_asked()
    {
        var options = CommandLine.Parse(["-x", "0", "-y", "0", "--idle-connections", "2000"], out _);

        Assert.Equal(0, options!.DurationSeconds);
        Assert.Equal(2000, options.IdleConnections);
    }

    [Fact]
    public void Every_scenario_option_is_understood()
    {
        var options = CommandLine.Parse(
        [
            "--uri", "amqp://u:p@127.0.0.1:5673", "-x", "50", "-y", "50", "-q", "50", "--queue-pattern", "q-%d",
            "-s", "1024", "--persistent", "--durable", "-c", "100", "--prefetch", "500", "--multi-ack-every", "50",
            "-r", "2000", "-z", "15", "--broker-pid", "123", "--label", "x",
        ], out string? error);

        Assert.Null(error);
        Assert.Equal(
            new PerfTestOptions
            {
                Uri = "amqp://u:p@127.0.0.1:5673", Producers = 50, Consumers = 50, Queues = 50, QueuePattern = "q-%d",
                MessageSize = 1024, Persistent = true, DurableQueues = true, ConfirmWindow = 100, Prefetch = 500,
                MultiAckEvery = 50, ProducerRate = 2000, DurationSeconds = 15, BrokerPid = 123, Label = "x",
            },
            options);
    }

    [Theory]
    [InlineData(new string[0], AmqpClient.RabbitMqClient)]
    [InlineData(new[] { "--client", "rabbitmq" }, AmqpClient.RabbitMqClient)]
    [InlineData(new[] { "--client", "lean" }, AmqpClient.Lean)]
    public void The_AMQP_client_is_RabbitMQ_Client_unless_the_lean_one_is_asked_for(string[] args, AmqpClient expected)
    {
        Assert.Equal(expected, CommandLine.Parse(args, out _)!.Client);
    }

    [Fact]
    public void Mqtt_subscribers_keep_a_persistent_session_only_when_asked()
    {
        Assert.False(CommandLine.Parse(["--mqtt", "127.0.0.1:1883", "--qos", "1"], out _)!.MqttPersistentSession);
        Assert.True(CommandLine.Parse(["--mqtt", "127.0.0.1:1883", "--qos", "1", "--mqtt-persistent-session"], out _)!.MqttPersistentSession);
    }

    [Theory]
    [InlineData("--qos", "2")]
    [InlineData("--prefetch", "70000")]
    [InlineData("--bogus", "1")]
    [InlineData("--client", "pika")]
    [InlineData("--size", "big")]
    [InlineData("-q", "3")] // several queues need %d in the pattern
    public void Wrong_options_are_refused_with_a_reason(string name, string value)
    {
        string[] args = name == "-q" ? [name, value, "--queue-pattern", "fixed"] : [name, value];

        var options = CommandLine.Parse(args, out string? error);

        Assert.Null(options);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Stomp_runs_take_a_broker_and_a_login()
    {
        var options = CommandLine.Parse(["--stomp", "127.0.0.1:61613", "--stomp-login", "u:p", "--persistent", "-c", "1000"], out string? error);

        Assert.Null(error);
        Assert.True(options!.IsStomp);
        Assert.Equal("127.0.0.1:61613", options.StompEndpoint);
        Assert.Equal("u:p", options.StompLogin);
        Assert.Equal("guest:guest", CommandLine.Parse(["--stomp", "h:1"], out _)!.StompLogin);
    }

    [Theory]
    [InlineData("--durable")]
    [InlineData("--publish-only")]
    [InlineData("--mqtt-persistent-session")]
    public void Stomp_refuses_what_it_cannot_express(string option)
    {
        var options = CommandLine.Parse(["--stomp", "127.0.0.1:61613", option], out string? error);

        Assert.Null(options);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
