using Courier.PerfTest.Amqp;
using Courier.PerfTest.Options;

namespace Courier.PerfTest.Tests;

public sealed class QueueArgumentsTests
{
    [Fact]
    public void Queue_arguments_are_typed_as_a_broker_validates_them()
    {
        var options = CommandLine.Parse(
            ["--queue-args", "x-message-ttl=0,x-max-length-bytes=5000000000,x-single-active-consumer=true,x-overflow=reject-publish,x-dead-letter-exchange="],
            out string? error);

        Assert.Null(error);
        var arguments = options!.QueueArguments!;
        Assert.Equal(5, arguments.Count);
        Assert.IsType<int>(arguments["x-message-ttl"]);
        Assert.Equal(0, arguments["x-message-ttl"]);
        Assert.Equal(5_000_000_000L, arguments["x-max-length-bytes"]);
        Assert.Equal(true, arguments["x-single-active-consumer"]);
        Assert.Equal("reject-publish", arguments["x-overflow"]);
        Assert.Equal("", arguments["x-dead-letter-exchange"]);
    }

    [Fact]
    public void Without_options_queues_are_declared_without_arguments_and_consumed_where_published()
    {
        var transport = new AmqpTransport(CommandLine.Parse(["-q", "2", "-y", "3"], out _)!);

        Assert.Null(transport.WorkQueueArguments());
        Assert.Equal("perftest-1", transport.ConsumeQueue(0));
        Assert.Equal("perftest-2", transport.ConsumeQueue(1));
        Assert.Equal("perftest-1", transport.ConsumeQueue(2));
    }

    [Fact]
    public void A_dead_letter_queue_receives_the_dead_letters_of_every_queue_and_is_what_consumers_read()
    {
        var transport = new AmqpTransport(CommandLine.Parse(
            ["-q", "2", "-y", "2", "--queue-args", "x-message-ttl=5", "--dead-letter-queue", "expired"], out _)!);

        Assert.Equal(
            new Dictionary<string, object?>
            {
                ["x-message-ttl"] = 5, ["x-dead-letter-exchange"] = "", ["x-dead-letter-routing-key"] = "expired",
            },
            transport.WorkQueueArguments());
        Assert.Equal("expired", transport.ConsumeQueue(0));
        Assert.Equal("expired", transport.ConsumeQueue(1));
        Assert.Equal(("", "perftest-2"), transport.PublishTarget(1));
    }

    [Theory]
    [InlineData("--queue-args", "x-message-ttl")]
    [InlineData("--queue-args", "=5")]
    [InlineData("--queue-args", "x-max-length=1,x-max-length=2")]
    [InlineData("--dead-letter-queue", "dlq", "--queue-args", "x-dead-letter-routing-key=elsewhere")]
    [InlineData("--dead-letter-queue", "dlq", "--mqtt", "127.0.0.1:1883")]
    public void Queue_arguments_that_cannot_be_meant_are_refused_with_a_reason(params string[] args)
    {
        var options = CommandLine.Parse(args, out string? error);

        Assert.Null(options);
        Assert.False(string.IsNullOrEmpty(error));
    }
}
