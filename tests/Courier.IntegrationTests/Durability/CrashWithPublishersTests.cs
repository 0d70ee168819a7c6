using System.Diagnostics;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A broker killed with SIGKILL while publishers stream persistent messages with confirms loses
/// nothing it confirmed: after a restart on the same data directory every confirmed message is in
/// each of its queues, byte for byte, exactly once and in its publisher's order. Messages not yet
/// confirmed may be there or not, but never twice, never altered, and never a message that was
/// taken before the crash. After the crash every message comes back with redelivered=true: the
/// broker cannot tell which deliveries were lost with the process, so it flags them all.
/// </summary>
/// <remarks>
/// Many rounds of publish, kill, restart, check. Four publishers: two to a queue each, two to a
/// fanout exchange with three queues (one message record shared by three queues). Between rounds
/// the check takes (acks) what it read from four queues and puts back (requeues) what it read from
/// the fourth fanout queue, which so grows across rounds and is taken only every fourth round: its
/// old messages must survive every later crash, with redelivered set because they were delivered.
/// </remarks>
public sealed class CrashWithPublishersTests(ITestOutputHelper output)
{
    private const int MaxRounds = 12;
    private const int MinRounds = 4;
    private const int MaxMessagesPerRound = 50_000;
    private const string Fanout = "crash.p.fanout";
    private const string KeptQueue = "crash.p.fan.keep";
    private const string BarrierQueue = "crash.p.barrier";
    private static readonly TimeSpan RoundsBudget = TimeSpan.FromSeconds(45);

    private static readonly (string Stream, string Exchange, string RoutingKey)[] Publishers =
    [
        ("pub0", "", "crash.p.q0"),
        ("pub1", "", "crash.p.q1"),
        ("pub2", Fanout, ""),
        ("pub3", Fanout, ""),
    ];

    private static readonly (string Queue, string[] Streams)[] Queues =
    [
        ("crash.p.q0", ["pub0"]),
        ("crash.p.q1", ["pub1"]),
        ("crash.p.fan.a", ["pub2", "pub3"]),
        ("crash.p.fan.b", ["pub2", "pub3"]),
        (KeptQueue, ["pub2", "pub3"]),
    ];

    [Fact]
    public async Task Every_confirmed_message_survives_SIGKILL_intact_once_and_in_publish_order()
    {
        var seed = CrashSeed.Choose();
        output.WriteLine($"seed {seed} (set {CrashSeed.Variable}={seed} to replay)");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var ledger = new Ledger();
        long confirmedChecked = 0, unconfirmedSurvivors = 0;

        // 1. A node with 1 MiB journal segments, so the rounds roll segments over and release them.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--Storage:SegmentSizeMiB", "1");
        await DeclareTopologyAsync(broker);

        var round = 0;
        // The round that drains is the one that ends the loop: the budget may run out during a
        // round that was not started as the last one, and then its leftovers would be blamed on the
        // clean stop below.
        var lastRound = false;
        while (!lastRound)
        {
            round++;
            lastRound = round == MaxRounds || (round >= MinRounds && clock.Elapsed >= RoundsBudget);

            // 2. Every publisher streams at full speed; SIGKILL the node at a random moment.
            var crashAfter = TimeSpan.FromMilliseconds(random.Next(50, 501));
            await PublishUntilKilledAsync(broker, ledger, crashAfter);

            // 3. Restart on whatever the killed process left on disk.
            await broker.RestartAsync();

            // 4. Check every queue against what was confirmed; take or keep what is there.
            var check = await CheckAsync(broker, ledger, drainKept: round % 4 == 0 || lastRound);
            confirmedChecked += check.Confirmed;
            unconfirmedSurvivors += check.UnconfirmedSurvivors;
            output.WriteLine(
                $"round {round}: SIGKILL after {crashAfter.TotalMilliseconds} ms; "
                + string.Join(", ", Publishers.Select(p => $"{p.Stream} confirmed {ledger.Windows[p.Stream].Confirmed - ledger.Windows[p.Stream].First + 1}/sent {ledger.Windows[p.Stream].Sent - ledger.Windows[p.Stream].First + 1}"))
                + $"; found {check.Found} messages ({check.Confirmed} confirmed, {check.UnconfirmedSurvivors} unconfirmed survivors, {check.Kept} kept from earlier rounds)"
                + $"; {RecoveredLine(broker)}");
        }

        // 5. Everything was taken: after a clean stop and a restart nothing comes back.
        await broker.StopGracefullyAsync();
        await broker.RestartAsync();
        await using (var connection = await broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            foreach (var (queue, _) in Queues)
            {
                Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
            }

            await connection.CloseAsync();
        }

        output.WriteLine($"{round} rounds in {clock.Elapsed.TotalSeconds:F1} s: {confirmedChecked} confirmed queue entries checked, {unconfirmedSurvivors} unconfirmed survivors");
        Assert.True(confirmedChecked > 0, "no message was confirmed before any crash: the test checked nothing");
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
    }

    private static async Task DeclareTopologyAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Fanout, ExchangeType.Fanout, durable: true, autoDelete: false);
        foreach (var (queue, streams) in Queues)
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            if (streams is ["pub2", "pub3"])
            {
                await channel.QueueBindAsync(queue, Fanout, string.Empty);
            }
        }

        await channel.QueueDeclareAsync(BarrierQueue, durable: true, exclusive: false, autoDelete: false);
        await connection.CloseAsync();
    }

    private static async Task PublishUntilKilledAsync(BrokerProcess broker, Ledger ledger, TimeSpan crashAfter)
    {
        var publishers = new List<StreamPublisher>();
        try
        {
            foreach (var (stream, exchange, routingKey) in Publishers)
            {
                publishers.Add(await StreamPublisher.OpenAsync(broker, stream, exchange, routingKey, ledger.NextSequence(stream)));
            }

            var killed = 0;
            var runs = publishers.Select(p => Task.Run(() => p.RunAsync(MaxMessagesPerRound, () => Volatile.Read(ref killed) == 1))).ToArray();

            // The crash must hit publishers in full flow, not still connecting: wait for a confirm on each.
            await Wait.UntilAsync(
                () => publishers.All(p => p.ConfirmedUpTo >= p.FirstSequence) || runs.Any(r => r.IsCompleted),
                "every publisher has a confirmed message",
                TimeSpan.FromSeconds(30));

            // Not a wait for anything: the random moment of the crash is this test's input.
            await Task.Delay(crashAfter);
            Volatile.Write(ref killed, 1);
            await broker.KillAsync();
            await Wait.ForAsync(Task.WhenAll(runs), "the publishers to see the broker die", TimeSpan.FromSeconds(30));

            foreach (var publisher in publishers)
            {
                Assert.True(publisher.Failure is null || publisher.Failure.Value.AfterKill, $"{publisher.Stream} failed before the crash: {publisher.Failure?.Error}");
                Assert.True(publisher.Nacks == 0, $"{publisher.Stream} was nacked {publisher.Nacks} times");
                Assert.Null(publisher.ConfirmOrderViolation);
                ledger.Windows[publisher.Stream] = new Window(publisher.FirstSequence, publisher.ConfirmedUpTo, publisher.SentUpTo);
            }
        }
        finally
        {
            foreach (var publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
    }

    private static async Task<CheckResult> CheckAsync(BrokerProcess broker, Ledger ledger, bool drainKept)
    {
        var result = new CheckResult();
        var fresh = new Dictionary<(string Queue, string Stream), List<long>>();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));

        foreach (var (queue, streams) in Queues)
        {
            var read = await QueueContents.ReadAllAsync(channel, queue);
            result.Found += read.Count;
            var stranger = read.FirstOrDefault(r => !streams.Contains(r.Message.Stream));
            Assert.True(stranger is null, $"queue '{queue}' holds {stranger?.Message.MessageId}, which was never routed to it");

            var keep = queue == KeptQueue && !drainKept;
            foreach (var stream in streams)
            {
                var seen = read.Where(r => r.Message.Stream == stream).ToList();
                var newOnes = CheckStream(queue, stream, seen, ledger.Kept(queue, stream), ledger.Windows[stream], result);
                fresh[(queue, stream)] = newOnes;
                ledger.SetKept(queue, stream, keep ? [.. seen.Select(r => r.Message.Sequence)] : []);
            }

            await QueueContents.SettleAllAsync(channel, read, requeue: keep);
        }

        // One message record serves all three fanout queues: a message is in all of them or in none.
        foreach (var stream in new[] { "pub2", "pub3" })
        {
            var inA = fresh[("crash.p.fan.a", stream)];
            Assert.Equal(inA, fresh[("crash.p.fan.b", stream)]);
            Assert.Equal(inA, fresh[(KeptQueue, stream)]);
        }

        // The acks and the delivered records of the requeued messages were appended before this
        // publish on the same channel, so its confirm means they are on disk before the next crash.
        await channel.QueuePurgeAsync(BarrierQueue);
        await channel.BasicPublishAsync(string.Empty, BarrierQueue, mandatory: true, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, "barrier"u8.ToArray());
        await connection.CloseAsync();
        return result;
    }

    /// <summary>
    /// Checks one stream's messages in one queue: first those kept from earlier rounds, unchanged and
    /// marked redelivered; then this round's, in order, none missing that was confirmed. Returns this round's.
    /// </summary>
    private static List<long> CheckStream(string queue, string stream, List<ReadBack> seen, IReadOnlyList<long> kept, Window window, CheckResult result)
    {
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(
                seen[i].Message.Sequence > seen[i - 1].Message.Sequence,
                $"queue '{queue}': {seen[i].Message.MessageId} follows {seen[i - 1].Message.MessageId} (duplicate or out of publish order)");
        }

        Assert.True(seen.Count >= kept.Count, $"queue '{queue}' lost messages of {stream} it held before the crash: {kept.Count} kept, {seen.Count} found");
        for (var i = 0; i < kept.Count; i++)
        {
            Assert.True(seen[i].Message.Sequence == kept[i], $"queue '{queue}' lost {stream}-{kept[i]}, held before the crash (found {seen[i].Message.MessageId})");
            Assert.True(seen[i].Redelivered, $"queue '{queue}': {seen[i].Message.MessageId} was delivered before the crash but came back with redelivered=false");
        }

        result.Kept += kept.Count;
        var newOnes = new List<long>();
        foreach (var read in seen.Skip(kept.Count))
        {
            var sequence = read.Message.Sequence;
            Assert.True(sequence >= window.First, $"queue '{queue}': {read.Message.MessageId} came back after it was taken before the crash");
            Assert.True(sequence <= window.Sent, $"queue '{queue}': {read.Message.MessageId} was never published");
            Assert.True(read.Redelivered, $"queue '{queue}': {read.Message.MessageId} came back after a crash with redelivered=false (after an unclean stop every recovered message is flagged)");
            newOnes.Add(sequence);
        }

        var present = newOnes.ToHashSet();
        for (var sequence = window.First; sequence <= window.Confirmed; sequence++)
        {
            Assert.True(present.Contains(sequence), $"queue '{queue}' lost {stream}-{sequence}, which the broker confirmed before the crash");
        }

        result.Confirmed += window.Confirmed - window.First + 1;
        result.UnconfirmedSurvivors += newOnes.Count(s => s > window.Confirmed);
        return newOnes;
    }

    private static string RecoveredLine(BrokerProcess broker)
    {
        var line = broker.RunLinesContaining("Recovered ").LastOrDefault() ?? "no recovery line";
        var start = line.IndexOf("Recovered ", StringComparison.Ordinal);
        return start < 0 ? line : "broker: " + line[start..];
    }

    /// <summary>One stream's publishes in the last round: its first sequence number, the last confirmed and the last sent.</summary>
    private readonly record struct Window(long First, long Confirmed, long Sent);

    private sealed class CheckResult
    {
        public long Found { get; set; }

        public long Confirmed { get; set; }

        public long UnconfirmedSurvivors { get; set; }

        public long Kept { get; set; }
    }

    /// <summary>What the test knows: each stream's last round, and what each queue held at the last check and was left holding.</summary>
    private sealed class Ledger
    {
        private readonly Dictionary<(string Queue, string Stream), List<long>> _kept = [];

        public Dictionary<string, Window> Windows { get; } = [];

        public long NextSequence(string stream) => Windows.TryGetValue(stream, out var window) ? window.Sent + 1 : 1;

        public IReadOnlyList<long> Kept(string queue, string stream) => _kept.GetValueOrDefault((queue, stream)) ?? [];

        public void SetKept(string queue, string stream, List<long> sequences) => _kept[(queue, stream)] = sequences;
    }
}
