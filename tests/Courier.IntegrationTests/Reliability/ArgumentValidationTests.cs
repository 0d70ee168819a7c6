using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>Queue and consume arguments are validated as RabbitMQ validates them: 406 naming the argument.</summary>
public sealed class ArgumentValidationTests
{
    public static TheoryData<string, object?> Invalid => new()
    {
        { "x-message-ttl", "abc" },
        { "x-message-ttl", -1 },
        { "x-expires", 0 },
        { "x-expires", "soon" },
        { "x-max-length", -3 },
        { "x-max-length-bytes", 1.5 },
        { "x-overflow", "bogus" },
        { "x-overflow", 1 },
        { "x-dead-letter-exchange", 42 },
        { "x-max-priority", 256 },
        { "x-max-priority", -1 },
        { "x-single-active-consumer", "yes" },
        { "x-delivery-limit", -1 },
        { "x-queue-mode", "eager" },
        { "x-queue-version", 3 },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task A_bad_argument_is_refused_with_406_naming_it(string key, object? value)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueDeclareAsync("q", durable: false, exclusive: false, autoDelete: false, Args((key, value))));

        Assert.Contains($"invalid arg '{key}' for queue 'q' in vhost '/'", reason.ReplyText, StringComparison.Ordinal);
        Assert.False(broker.HasQueue("q"));
    }

    [Fact]
    public async Task A_dead_letter_routing_key_without_an_exchange_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueDeclareAsync("q", durable: false, exclusive: false, autoDelete: false, Args(("x-dead-letter-routing-key", "k"))));

        Assert.Contains("x-dead-letter-routing-key", reason.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redeclaring_with_a_different_ttl_is_inequivalent()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("q", Args(("x-message-ttl", 1000)));

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueDeclareAsync("q", durable: false, exclusive: false, autoDelete: false, Args(("x-message-ttl", 2000))));

        Assert.Contains("inequivalent arg 'x-message-ttl'", reason.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumer_priority_that_is_not_an_integer_is_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("q");

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.BasicConsumeAsync("q", autoAck: true, consumerTag: string.Empty, noLocal: false, exclusive: false, Args(("x-priority", "high")), new RecordingConsumer(channel)));

        Assert.Contains("invalid arg 'x-priority'", reason.ReplyText, StringComparison.Ordinal);
    }
}
