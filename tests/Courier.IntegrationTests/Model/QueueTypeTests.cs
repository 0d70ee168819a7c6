using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>
/// <c>x-queue-type</c> on queue.declare: classic (named or left out) is made; the types RabbitMQ
/// has and Courier not yet (quorum, stream) and unknown names are refused with 406 and a message
/// naming what exists; a redeclare treats "classic" and no type as the same, as RabbitMQ does.
/// </summary>
public sealed class QueueTypeTests
{
    private static Dictionary<string, object?> OfType(object? type) => new() { ["x-queue-type"] = type };

    [Fact]
    public async Task A_queue_declared_without_a_type_or_as_classic_is_a_classic_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("plain", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("named", durable: true, exclusive: false, autoDelete: false, OfType("classic"));
        await channel.PublishTextAsync(string.Empty, "named", "hello");

        Assert.Equal("hello", await channel.GetTextAsync("named"));
        Assert.True(broker.DefaultVirtualHost().TryGetQueue("plain", out var plain));
        Assert.True(broker.DefaultVirtualHost().TryGetQueue("named", out var named));
        Assert.Equal("classic", plain.Type);
        Assert.Equal("classic", named.Type);
    }

    [Theory]
    [InlineData("quorum")]
    [InlineData("stream")]
    public async Task A_queue_type_not_built_yet_is_refused_with_a_message_naming_what_exists(string type)
    {
        Assert.Equal(
            $"PRECONDITION_FAILED - invalid arg 'x-queue-type' for queue 'q' in vhost '/': queue type '{type}' is not supported yet; supported: classic",
            await DeclareRefusedAsync(type));
    }

    [Fact]
    public async Task An_unknown_queue_type_is_refused()
    {
        Assert.Contains("unknown queue type 'lazy'; supported: classic", await DeclareRefusedAsync("lazy"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_queue_type_that_is_not_a_string_is_refused()
    {
        Assert.Contains("invalid arg 'x-queue-type' for queue 'q' in vhost '/'", await DeclareRefusedAsync(42), StringComparison.Ordinal);
    }

    /// <summary>Declares queue 'q' with the type; returns the reply text of the 406 that must close the channel.</summary>
    private static async Task<string> DeclareRefusedAsync(object type)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel,
            () => channel.QueueDeclareAsync("q", durable: true, exclusive: false, autoDelete: false, OfType(type)));

        Assert.False(broker.HasQueue("q"));
        return reason.ReplyText;
    }

    [Fact]
    public async Task Redeclaring_a_classic_queue_with_or_without_its_type_is_equivalent_and_another_type_is_not()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("plain", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("named", durable: true, exclusive: false, autoDelete: false, OfType("classic"));

        await channel.QueueDeclareAsync("plain", durable: true, exclusive: false, autoDelete: false, OfType("classic"));
        await channel.QueueDeclareAsync("named", durable: true, exclusive: false, autoDelete: false);

        var other = await connection.CreateChannelAsync();
        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, other,
            () => other.QueueDeclareAsync("named", durable: true, exclusive: false, autoDelete: false, OfType("stream")));
        Assert.Equal(
            "PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'named' in vhost '/': received the value 'stream' of type 'longstr' but current is the value 'classic' of type 'longstr'",
            reason.ReplyText);
    }

    [Fact]
    public async Task A_durable_queue_keeps_its_type_across_a_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("courier-queue-types-").FullName;
        try
        {
            string[] args = ["--data-dir", dataDir];
            await using (var broker = await TestBroker.StartAsync(configure: null, args))
            {
                await using var connection = await broker.ConnectAsync();
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeclareAsync("typed", durable: true, exclusive: false, autoDelete: false, OfType("classic"));
            }

            await using (var broker = await TestBroker.StartAsync(configure: null, args))
            {
                Assert.True(broker.DefaultVirtualHost().TryGetQueue("typed", out var queue));
                Assert.Equal("classic", queue.Type);
                await using var connection = await broker.ConnectAsync();
                await using var channel = await connection.CreateChannelAsync();
                await channel.QueueDeclareAsync("typed", durable: true, exclusive: false, autoDelete: false, OfType("classic"));
                await channel.QueueDeclareAsync("typed", durable: true, exclusive: false, autoDelete: false);
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
