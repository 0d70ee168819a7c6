using Courier.Core.Exchanges;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using Courier.IntegrationTests.Reliability;
using static Courier.IntegrationTests.Deduplication.DeduplicationShortcuts;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Deduplication;

/// <summary>
/// The rabbitmq-message-deduplication plugin's exchange (<c>x-message-deduplication</c>), through
/// RabbitMQ.Client: a message whose <c>x-deduplication-header</c> was routed before is dropped and
/// still acked, keys expire with <c>x-cache-ttl</c> and make room by age at <c>x-cache-size</c>,
/// and a disk-persistent cache keeps the keys of confirmed publishes across a SIGKILL.
/// </summary>
public sealed class DeduplicationExchangeTests(ITestOutputHelper output)
{
    private const string Exchange = "dedup";

    [Fact]
    public async Task A_duplicate_is_dropped_and_acked_and_a_message_without_the_header_always_passes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await DeclareAsync(channel, new() { ["x-cache-size"] = 10 });
        var first = await channel.DeclareBoundQueueAsync(Exchange, "ignored");
        var second = await channel.DeclareBoundQueueAsync(Exchange, "other");

        // Publishes on a tracking channel throw when nacked: every one of these is acked.
        await channel.PublishTextAsync(Exchange, "any", "a-1", Keyed("a"));
        await channel.PublishTextAsync(Exchange, "any", "a-2", Keyed("a"));
        await channel.PublishTextAsync(Exchange, "any", "b-1", Keyed("b"));
        await channel.PublishTextAsync(Exchange, "any", "plain-1");
        await channel.PublishTextAsync(Exchange, "any", "plain-2");

        Assert.Equal(["a-1", "b-1", "plain-1", "plain-2"], await channel.DrainAsync(first));
        Assert.Equal(["a-1", "b-1", "plain-1", "plain-2"], await channel.DrainAsync(second));
    }

    [Fact]
    public async Task A_mandatory_duplicate_comes_back_as_unroutable()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, new() { ["x-cache-size"] = 10 });
        var queue = await channel.DeclareBoundQueueAsync(Exchange, string.Empty);
        var returned = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicReturnAsync += (_, ea) =>
        {
            returned.TrySetResult(System.Text.Encoding.UTF8.GetString(ea.Body.Span));
            return Task.CompletedTask;
        };

        await channel.PublishTextAsync(Exchange, string.Empty, "first", Keyed("k"), mandatory: true);
        await channel.PublishTextAsync(Exchange, string.Empty, "again", Keyed("k"), mandatory: true);

        Assert.Equal("again", await Wait.ForAsync(returned.Task, "the duplicate to come back"));
        Assert.Equal(["first"], await channel.DrainAsync(queue));
    }

    [Fact]
    public async Task A_key_is_routed_again_once_its_ttl_has_passed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await DeclareAsync(channel, new() { ["x-cache-size"] = 10, ["x-cache-ttl"] = 1 });
        var queue = await channel.DeclareBoundQueueAsync(Exchange, string.Empty);
        await channel.PublishTextAsync(Exchange, string.Empty, "short-lived", Keyed("short"));
        // The message's own x-cache-ttl overrides the exchange's: this key is held for an hour.
        await channel.PublishTextAsync(Exchange, string.Empty, "long-lived", Keyed("long", ttlMs: 3_600_000));

        // The exchange's 1 ms passes; until then a republish is a duplicate.
        using (var deadline = new CancellationTokenSource(Wait.DefaultTimeout))
        {
            while (await channel.ReadyCountAsync(queue) < 3)
            {
                Assert.False(deadline.IsCancellationRequested, "the expired key was never routed again");
                await channel.PublishTextAsync(Exchange, string.Empty, "short-lived", Keyed("short"));
            }
        }

        await channel.PublishTextAsync(Exchange, string.Empty, "long-lived", Keyed("long", ttlMs: 3_600_000));

        Assert.Equal(["short-lived", "long-lived", "short-lived"], await channel.DrainAsync(queue));
    }

    [Fact]
    public async Task A_full_cache_forgets_its_oldest_key_first()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await DeclareAsync(channel, new() { ["x-cache-size"] = 2 });
        var queue = await channel.DeclareBoundQueueAsync(Exchange, string.Empty);

        foreach (var key in new[] { "k1", "k2", "k3", "k3", "k2", "k1", "k3" })
        {
            await channel.PublishTextAsync(Exchange, string.Empty, key, Keyed(key));
        }

        // k3 pushed k1 out; k1 coming back pushed k2 out, and k3 was still held.
        Assert.Equal(["k1", "k2", "k3", "k1"], await channel.DrainAsync(queue));
        Assert.True(broker.DefaultVirtualHost().TryGetExchange(Exchange, out var exchange));
        Assert.Equal(2, Assert.IsType<DeduplicationExchange>(exchange).CachedKeys);
    }

    [Theory]
    [InlineData("x-cache-size", null)]
    [InlineData("x-cache-size", 0)]
    [InlineData("x-cache-size", -5)]
    [InlineData("x-cache-size", "many")]
    [InlineData("x-cache-ttl", 0)]
    [InlineData("x-cache-ttl", "soon")]
    [InlineData("x-cache-persistence", "cloud")]
    [InlineData("x-cache-persistence", 1)]
    public async Task A_bad_argument_is_refused_with_406_naming_it(string argument, object? value)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        var arguments = new Dictionary<string, object?> { ["x-cache-size"] = 10 };
        if (value is null)
        {
            arguments.Remove(argument);
        }
        else
        {
            arguments[argument] = value;
        }

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel, () => DeclareAsync(channel, arguments));

        Assert.Contains($"'{argument}'", reason.ReplyText, StringComparison.Ordinal);
        Assert.False(broker.HasExchange(Exchange));
    }

    [Fact]
    public async Task Numbers_given_as_text_are_accepted_as_the_plugin_accepts_them()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await DeclareAsync(channel, new() { ["x-cache-size"] = "5", ["x-cache-ttl"] = "60000", ["x-cache-persistence"] = "memory" });

        Assert.True(broker.HasExchange(Exchange));
    }

    [Theory]
    [InlineData("disk", true)]
    [InlineData("memory", false)]
    public async Task A_disk_cache_keeps_the_keys_of_confirmed_publishes_across_a_sigkill_and_a_memory_cache_does_not(string persistence, bool kept)
    {
        // 1. A durable exchange and queue; keys routed with confirms.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await channel.ExchangeDeclareAsync(Exchange, ExchangeTypes.Deduplication, durable: true, autoDelete: false,
            new Dictionary<string, object?> { ["x-cache-size"] = 100, ["x-cache-persistence"] = persistence });
        await channel.QueueDeclareAsync("dedup.q", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("dedup.q", Exchange, string.Empty);
        for (var i = 0; i < 20; i++)
        {
            await channel.PublishTextAsync(Exchange, string.Empty, $"m{i}", Keyed($"k{i}"));
        }

        // 2. Kill the node: no shutdown code runs.
        await broker.KillAsync();
        await broker.RestartAsync();

        // 3. The same keys again: dropped when the cache was on disk, routed when it was in memory.
        connection = await broker.ConnectAsync();
        channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        await channel.QueuePurgeAsync("dedup.q");
        for (var i = 0; i < 20; i++)
        {
            await channel.PublishTextAsync(Exchange, string.Empty, $"again{i}", Keyed($"k{i}"));
        }

        await channel.PublishTextAsync(Exchange, string.Empty, "new", Keyed("k-new"));
        Assert.Equal(kept ? 1u : 21u, await channel.ReadyCountAsync("dedup.q"));
        await connection.CloseAsync();
        broker.AssertNoErrorsLogged();
    }

    [Fact]
    public async Task A_deleted_and_redeclared_exchange_starts_with_an_empty_cache()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(ReliabilityShortcuts.Confirming);
        var arguments = new Dictionary<string, object?> { ["x-cache-size"] = 10, ["x-cache-persistence"] = "disk" };
        await channel.ExchangeDeclareAsync(Exchange, ExchangeTypes.Deduplication, durable: true, autoDelete: false, arguments);
        await channel.PublishTextAsync(Exchange, string.Empty, "m", Keyed("k"));

        await channel.ExchangeDeleteAsync(Exchange);
        await channel.ExchangeDeclareAsync(Exchange, ExchangeTypes.Deduplication, durable: true, autoDelete: false, arguments);
        var queue = await channel.DeclareBoundQueueAsync(Exchange, string.Empty);
        await channel.PublishTextAsync(Exchange, string.Empty, "m", Keyed("k"));

        Assert.Equal(1u, await channel.ReadyCountAsync(queue));
        await connection.CloseAsync();
    }


    private static Task DeclareAsync(IChannel channel, Dictionary<string, object?> arguments) =>
        channel.ExchangeDeclareAsync(Exchange, ExchangeTypes.Deduplication, durable: false, autoDelete: false, arguments);
}
