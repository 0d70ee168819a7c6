using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A data directory written by Courier 3b12d1b (journal format 1: headerless segments), committed
/// under Fixtures/Format1 (see its README), is upgraded in place by this build: every persistent
/// message comes back in order with its properties, headers and redelivered flag, and every
/// definition is there. A directory from a newer format is refused with one line and exit code 1.
/// </summary>
public sealed class Format1UpgradeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "courier-upgrade-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData("clean")] // stopped with SIGTERM
    [InlineData("sigkill")] // killed, and a torn record appended to its journal
    public async Task A_format_1_data_directory_comes_back_whole_after_the_upgrade(string fixture)
    {
        var dataDir = CopyFixture(fixture);
        await using (var broker = await TestBroker.StartAsync(null, "--data-dir", dataDir))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();

            // 1. The definitions: both durable queues (with their arguments), the fanout exchange and its bindings.
            await channel.ExchangeDeclarePassiveAsync("fixture.fanout");
            Assert.Equal(5u, (await channel.QueueDeclarePassiveAsync("fixture.a")).MessageCount);
            Assert.Equal(2u, (await channel.QueueDeclarePassiveAsync("fixture.b")).MessageCount);
            await channel.QueueDeclareAsync("fixture.a", durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-max-length"] = 1000 });

            // 2. fixture.a: message 1 was acked, 99 was transient; 2 was delivered before the stop.
            var a = await GetAllAsync(channel, "fixture.a");
            Assert.Equal([2, 3, 4, 6, 7], a.Select(m => Number(m)));
            Assert.Equal([true, false, false, false, false], a.Select(m => m.Redelivered));
            var full = a[0].BasicProperties;
            Assert.Equal("application/json", full.ContentType);
            Assert.Equal("gzip", full.ContentEncoding);
            Assert.Equal(5, full.Priority);
            Assert.Equal("corr-2", full.CorrelationId);
            Assert.Equal("replies", full.ReplyTo);
            Assert.Equal("id-2", full.MessageId);
            Assert.Equal(1767225600, full.Timestamp.UnixTime);
            Assert.Equal("kind", full.Type);
            Assert.Equal("guest", full.UserId);
            Assert.Equal("fixture", full.AppId);
            Assert.Equal("c1", full.ClusterId);
            Assert.Equal(DeliveryModes.Persistent, full.DeliveryMode);
            var headers = full.Headers!;
            Assert.Equal("text", Encoding.UTF8.GetString((byte[])headers["s"]!));
            Assert.Equal(-7, headers["i"]);
            Assert.Equal(1L << 40, headers["l"]);
            Assert.Equal(true, headers["b"]);
            Assert.Null(headers["n"]);
            Assert.Equal(12.34m, headers["d"]);
            Assert.Equal(new AmqpTimestamp(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).ToUnixTimeSeconds()), headers["ts"]);
            Assert.Equal(new byte[] { 0, 1, 255 }, ((BinaryTableValue)headers["bytes"]!).Bytes);
            var table = (IDictionary<string, object?>)headers["t"]!;
            Assert.Equal("x", Encoding.UTF8.GetString((byte[])table["inner"]!));
            Assert.Equal(3, ((IDictionary<string, object?>)table["deep"]!)["k"]);
            var list = (IList<object?>)headers["a"]!;
            Assert.Equal(["one", 2, false], [Encoding.UTF8.GetString((byte[])list[0]!), list[1], list[2]]);
            Assert.Equal(3, a[1].BasicProperties.Headers!["x-seq"]);

            // 3. fixture.b: message 4 (fanned out to both queues) was delivered before the stop, 5 was not.
            var b = await GetAllAsync(channel, "fixture.b");
            Assert.Equal([4, 5], b.Select(m => Number(m)));
            Assert.Equal([true, false], b.Select(m => m.Redelivered));
            Assert.Equal("yes", Encoding.UTF8.GetString((byte[])b[0].BasicProperties.Headers!["both"]!));
            Assert.Equal("id-5", b[1].BasicProperties.MessageId);
            Assert.Equal("text/plain", b[1].BasicProperties.ContentType);

            // 4. The bindings route again: a confirmed message through the fanout is in both queues.
            await using (var confirming = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
            {
                await confirming.BasicPublishAsync("fixture.fanout", string.Empty, "new"u8.ToArray());
            }

            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("fixture.a")).MessageCount);
            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("fixture.b")).MessageCount);
            await connection.CloseAsync();
        }

        // 5. The journal was rewritten in the current format: a second start does not upgrade again.
        Assert.True(File.Exists(Path.Combine(dataDir, "journal", "store.id")));
        Assert.False(Directory.Exists(Path.Combine(dataDir, "journal.legacy")));
    }

    [Fact]
    public async Task A_journal_from_a_newer_format_ends_the_broker_with_one_line_and_exit_code_1()
    {
        var dataDir = CopyFixture("clean");
        await using (var broker = await TestBroker.StartAsync(null, "--data-dir", dataDir))
        {
        }

        // The store.id of format 4, which this build does not know.
        var id = Path.Combine(dataDir, "journal", "store.id");
        var bytes = File.ReadAllBytes(id);
        bytes[8] = 4;
        File.WriteAllBytes(id, bytes);

        var (exitCode, error) = await BrokerProcess.RunUntilExitAsync("--data-dir", dataDir, "--amqp-address", "127.0.0.1", "--amqp-port", "0", "--mqtt-address", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0", "--stomp-address", "127.0.0.1", "--stomp-port", "0", "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0");
        Assert.Equal(1, exitCode);
        Assert.StartsWith("courier: ", error);
        Assert.Contains("newer Courier (journal format 4", error);
        Assert.DoesNotContain('\n', error);
    }

    private string CopyFixture(string fixture)
    {
        var from = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Format1", fixture, "data");
        var to = Path.Combine(_root, fixture, "data");
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return to;
    }

    private static async Task<List<BasicGetResult>> GetAllAsync(IChannel channel, string queue)
    {
        var messages = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            messages.Add(message);
        }

        return messages;
    }

    /// <summary>The fixture's bodies are "body-N" repeated N times.</summary>
    private static int Number(BasicGetResult message) =>
        int.Parse(Encoding.ASCII.GetString(message.Body.Span)[5..].Split('b')[0], System.Globalization.CultureInfo.InvariantCulture);
}
