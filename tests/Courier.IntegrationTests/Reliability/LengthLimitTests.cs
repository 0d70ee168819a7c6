using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using static Courier.IntegrationTests.Reliability.ReliabilityShortcuts;

namespace Courier.IntegrationTests.Reliability;

/// <summary>x-max-length, x-max-length-bytes and x-overflow, through RabbitMQ.Client.</summary>
public sealed class LengthLimitTests
{
    [Fact]
    public async Task Drop_head_keeps_the_newest_messages_and_dead_letters_the_oldest()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dlx", "fanout");
        var dead = await channel.DeclareBoundQueueAsync("dlx", string.Empty);
        await channel.DeclareQueueAsync("three", Args(("x-max-length", 3), ("x-dead-letter-exchange", "dlx")));

        for (var i = 1; i <= 5; i++)
        {
            await channel.PublishTextAsync(string.Empty, "three", $"m{i}");
        }

        Assert.Equal(["m3", "m4", "m5"], await channel.DrainAsync("three"));
        var first = await channel.WaitForMessageAsync(dead, "the first dropped message");
        Assert.Equal("m1", first.Text());
        Assert.Equal("maxlen", Assert.Single(first.BasicProperties.Deaths()).Str("reason"));
        Assert.Equal("m2", (await channel.WaitForMessageAsync(dead, "the second dropped message")).Text());
    }

    [Fact]
    public async Task Max_length_bytes_counts_body_bytes()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.DeclareQueueAsync("bytes", Args(("x-max-length-bytes", 10)));

        foreach (var text in new[] { "aaaa", "bbbb", "cccc" })
        {
            await channel.PublishTextAsync(string.Empty, "bytes", text);
        }

        Assert.Equal(["bbbb", "cccc"], await channel.DrainAsync("bytes"));
    }

    [Fact]
    public async Task Reject_publish_nacks_the_publish_that_would_overflow_and_keeps_the_first()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.QueueDeclareAsync("full", durable: true, exclusive: false, autoDelete: false, Args(("x-max-length", 2), ("x-overflow", "reject-publish")));
        var persistent = new BasicProperties { Persistent = true };

        await channel.PublishTextAsync(string.Empty, "full", "m1", persistent);
        await channel.PublishTextAsync(string.Empty, "full", "m2", persistent);
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "full", "m3", persistent));

        Assert.Equal(["m1", "m2"], await channel.DrainAsync("full"));
        await channel.PublishTextAsync(string.Empty, "full", "m4", persistent);
        Assert.Equal(["m4"], await channel.DrainAsync("full"));
    }

    [Fact]
    public async Task Reject_publish_dlx_nacks_and_dead_letters_the_refused_message()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirming);
        await channel.ExchangeDeclareAsync("dlx", "fanout");
        var dead = await channel.DeclareBoundQueueAsync("dlx", string.Empty);
        await channel.DeclareQueueAsync("one", Args(("x-max-length", 1), ("x-overflow", "reject-publish-dlx"), ("x-dead-letter-exchange", "dlx")));

        await channel.PublishTextAsync(string.Empty, "one", "kept");
        await Assert.ThrowsAsync<PublishException>(async () => await channel.PublishTextAsync(string.Empty, "one", "refused"));

        Assert.Equal(["kept"], await channel.DrainAsync("one"));
        var letter = await channel.WaitForMessageAsync(dead, "the refused message is dead-lettered");
        Assert.Equal("refused", letter.Text());
        Assert.Equal("maxlen", Assert.Single(letter.BasicProperties.Deaths()).Str("reason"));
    }
}
