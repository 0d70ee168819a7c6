using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Courier.IntegrationTests.Deduplication.DeduplicationShortcuts;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// Issue 13, finding 5, for the long strings the broker interprets: an argument value that becomes a
/// name or a behaviour is refused with 406 PRECONDITION_FAILED on the channel (as RabbitMQ refuses a
/// bad argument) when its bytes are not well-formed UTF-8, never rewritten to U+FFFD; a header value
/// compared for equality is compared by its exact bytes. RabbitMQ.Client sends a <c>byte[]</c> value
/// as a long string ('S'), the type a string argument arrives as.
/// </summary>
public sealed class InvalidUtf8ArgumentTests
{
    // "bad\xff": rewritten it would be "bad\uFFFD", as would "bad\xfe".
    private static readonly byte[] Bad = [(byte)'b', (byte)'a', (byte)'d', 0xFF];

    public static TheoryData<string> QueueArguments => ["x-dead-letter-exchange", "x-dead-letter-routing-key", "x-queue-type", "x-overflow", "x-queue-mode"];

    [Theory]
    [MemberData(nameof(QueueArguments))]
    public async Task A_queue_argument_that_is_not_UTF8_is_refused_with_406_and_no_queue_is_made(string key)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var arguments = Args((key, Bad));
        if (key == "x-dead-letter-routing-key")
        {
            arguments["x-dead-letter-exchange"] = "dlx";
        }

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueDeclareAsync("utf8.q", durable: false, exclusive: false, autoDelete: false, arguments));

        Assert.Contains($"invalid arg '{key}' for queue 'utf8.q' in vhost '/': the value is not well-formed UTF-8", reason.ReplyText, StringComparison.Ordinal);
        await AssertMissingAsync(connection, c => c.QueueDeclarePassiveAsync("utf8.q"));
    }

    [Fact]
    public async Task An_alternate_exchange_that_is_not_UTF8_is_refused_with_406_and_no_exchange_is_made()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.ExchangeDeclareAsync("utf8.x", ExchangeType.Direct, arguments: Args(("alternate-exchange", Bad))));

        Assert.Contains("invalid arg 'alternate-exchange' for exchange 'utf8.x' in vhost '/': the value is not well-formed UTF-8", reason.ReplyText, StringComparison.Ordinal);
        await AssertMissingAsync(connection, c => c.ExchangeDeclarePassiveAsync("utf8.x"));
    }

    [Fact]
    public async Task A_delayed_type_that_is_not_UTF8_is_refused_with_406()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.ExchangeDeclareAsync("utf8.delayed", "x-delayed-message", arguments: Args(("x-delayed-type", Bad))));

        Assert.Contains("invalid arg 'x-delayed-type' for exchange 'utf8.delayed': the value is not well-formed UTF-8", reason.ReplyText, StringComparison.Ordinal);
        await AssertMissingAsync(connection, c => c.ExchangeDeclarePassiveAsync("utf8.delayed"));
    }

    // Not UTF-8, not one of the rules, not text.
    public static TheoryData<object> BadMatches => [(byte[])[(byte)'a', (byte)'n', (byte)'y', 0xFF], "anything", 1];

    [Theory]
    [MemberData(nameof(BadMatches))]
    public async Task A_headers_binding_whose_x_match_cannot_be_read_is_refused_with_406_not_read_as_all(object match)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareQueueAsync("utf8.headers");

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueBindAsync(queue, "amq.headers", string.Empty, Args(("x-match", match), ("k", "v"))));
        Assert.Contains("x-match", reason.ReplyText, StringComparison.Ordinal);

        // The binding was not made: a message with k=v is unroutable (returned), not delivered.
        await using var publisher = await connection.CreateChannelAsync();
        var returned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.BasicReturnAsync += (_, _) =>
        {
            returned.TrySetResult();
            return Task.CompletedTask;
        };
        await publisher.PublishTextAsync("amq.headers", string.Empty, "m", new BasicProperties { Headers = Args(("k", "v")) }, mandatory: true);
        await Wait.ForAsync(returned.Task, "the unroutable message to come back");
        Assert.Null(await publisher.GetTextAsync(queue));
    }

    [Fact]
    public async Task Deduplication_keys_that_are_not_UTF8_are_told_apart_by_their_bytes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.DeclareQueueAsync("utf8.unique", Args(("x-message-deduplication", true)));

        // Rewritten to U+FFFD, "k\xfe" would be taken for a duplicate of "k\xff".
        await channel.PublishTextAsync(string.Empty, "utf8.unique", "ff", KeyedBytes([(byte)'k', 0xFF]));
        await channel.PublishTextAsync(string.Empty, "utf8.unique", "fe", KeyedBytes([(byte)'k', 0xFE]));
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "utf8.unique", "ff again", KeyedBytes([(byte)'k', 0xFF])));

        Assert.Equal(["ff", "fe"], await channel.DrainAsync("utf8.unique"));
    }

    private static BasicProperties KeyedBytes(byte[] key)
    {
        var properties = Keyed("placeholder");
        properties.Headers!["x-deduplication-header"] = key;
        return properties;
    }

    private static async Task AssertMissingAsync(IConnection connection, Func<IChannel, Task> passiveDeclare)
    {
        await using var check = await connection.CreateChannelAsync();
        var missing = await Assert.ThrowsAsync<OperationInterruptedException>(() => passiveDeclare(check));
        Assert.Equal(Constants.NotFound, missing.ShutdownReason!.ReplyCode);
    }
}
