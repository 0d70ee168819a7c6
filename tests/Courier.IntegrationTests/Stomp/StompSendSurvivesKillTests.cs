using System.Collections.Concurrent;
using System.Text;
using Courier.IntegrationTests.Durability;
using Courier.IntegrationTests.Infrastructure;
using Courier.Stomp.Frames;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Stomp;

/// <summary>
/// A node killed with SIGKILL while STOMP clients send persistent messages with receipts keeps
/// every message it receipted: after a restart on the same data directory, each is in the durable
/// queue it was sent to, and in the durable topic subscription that was bound when it was sent.
/// </summary>
public sealed class StompSendSurvivesKillTests(ITestOutputHelper output)
{
    private const int Publishers = 3;
    private const int ReceiptsBeforeKill = 300;
    private static readonly StompHeader[] DurableSubscription = [new("durable", "true"), new("auto-delete", "false")];

    [Fact]
    public async Task Every_receipted_persistent_SEND_comes_back_after_SIGKILL()
    {
        var seed = CrashSeed.Choose();
        output.WriteLine($"seed {seed} (set {CrashSeed.Variable}={seed} to replay)");
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);

        // 1. A durable topic subscription, then nobody consuming.
        await using (var subscriber = await StompTestClient.ConnectAsync(broker.StompPort))
        {
            await subscriber.SubscribeAsync("keeper", "/topic/crash.kept", "client", DurableSubscription);
        }

        // 2. Publishers send with receipts, each waiting for its receipt; SIGKILL once enough came back.
        var receipted = new ConcurrentBag<string>();
        var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var random = new Random(seed);
        var publishers = new List<Task>();
        for (var p = 0; p < Publishers; p++)
        {
            var publisher = p;
            var toTopic = random.Next(2) == 0;
            publishers.Add(Task.Run(async () =>
            {
                await using var client = await StompTestClient.ConnectAsync(broker.StompPort);
                for (var n = 0; n < 100_000; n++)
                {
                    var body = $"p{publisher}-{n}";
                    var destination = toTopic && n % 2 == 0 ? "/topic/crash.kept" : "/queue/crash-kept";
                    try
                    {
                        await client.SendWithReceiptAsync(new StompFrame(StompCommand.Send, [new("destination", destination), new("persistent", "true")], Encoding.UTF8.GetBytes(body)), body);
                    }
                    catch (Exception)
                    {
                        return; // killed: this SEND was never receipted
                    }

                    receipted.Add(destination + " " + body);
                    if (receipted.Count >= ReceiptsBeforeKill)
                    {
                        enough.TrySetResult();
                    }
                }
            }));
        }

        await Wait.ForAsync(enough.Task, $"{ReceiptsBeforeKill} receipts", TimeSpan.FromSeconds(60));
        await broker.KillAsync();
        await Wait.ForAsync(Task.WhenAll(publishers), "the publishers to notice the kill", TimeSpan.FromSeconds(30));

        // 3. Restart and read back both destinations.
        await broker.RestartAsync();
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await StompTestClient.ConnectAsync(broker.StompPort);
        await reader.SendAsync(StompCommand.Subscribe, new("id", "q"), new("destination", "/queue/crash-kept"));
        await reader.SendAsync(StompCommand.Subscribe, [new("id", "keeper"), new("destination", "/topic/crash.kept"), .. DurableSubscription]);
        var expected = receipted.ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < 1_000_000 && !expected.IsSubsetOf(found); i++)
        {
            var message = await reader.ReceiveAsync();
            Assert.Equal(StompCommand.Message, message.Command);
            var destination = message["subscription"] == "q" ? "/queue/crash-kept" : "/topic/crash.kept";
            found.Add(destination + " " + Encoding.UTF8.GetString(message.Body.Span));
        }

        Assert.Empty(expected.Except(found));
        output.WriteLine($"{expected.Count} receipted, {found.Count} found after the restart");
    }
}
