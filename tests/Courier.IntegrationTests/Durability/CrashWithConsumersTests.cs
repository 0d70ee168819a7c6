using System.Diagnostics;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// A broker killed with SIGKILL while consumers acknowledge loses no confirmed message and invents
/// none: after a restart every confirmed message is either one a consumer acknowledged or still in
/// its queue, in order and once. An ack is not confirmed to the client, so an acked message may come
/// back if its ack had not reached the journal; but not once a later publish on the ack's channel
/// was confirmed. Every message comes back with redelivered=true after the crash, whether its
/// delivery had reached the disk or not (never-delivered ones are flagged too, as RabbitMQ allows).
/// </summary>
public sealed class CrashWithConsumersTests(ITestOutputHelper output)
{
    private const int MaxRounds = 6;
    private const int MinRounds = 3;
    private const int TopUpPerRound = 4000;
    private const string Fanout = "crash.c.fanout";
    private static readonly TimeSpan RoundsBudget = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_confirmed_message_is_either_acked_or_still_queued_after_SIGKILL()
    {
        var seed = CrashSeed.Choose();
        output.WriteLine($"seed {seed} (set {CrashSeed.Variable}={seed} to replay)");
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();

        // Two queues share each message through a fanout exchange, so one can ack what the other still holds.
        AckLedger[] ledgers = [new("crash.c.a", "fan"), new("crash.c.b", "fan"), new("crash.c.direct", "direct")];
        var nextSequence = new Dictionary<string, long> { ["fan"] = 1, ["direct"] = 1 };
        long checkedMessages = 0;

        // 1. Start a node and declare the durable queues.
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

            // 2. Top the queues up with confirmed persistent messages; older ones stay.
            await TopUpAsync(broker, ledgers, nextSequence, "fan", Fanout, string.Empty);
            await TopUpAsync(broker, ledgers, nextSequence, "direct", string.Empty, "crash.c.direct");

            // 3. Consumers ack as they go; SIGKILL the node at a random moment.
            var crashAfter = TimeSpan.FromMilliseconds(random.Next(50, 501));
            var consumed = await ConsumeUntilKilledAsync(broker, ledgers, random.Next(), crashAfter);

            // 4. Restart on what the killed process left on disk.
            await broker.RestartAsync();

            // 5. Every confirmed message is acked or present; the last round takes everything.
            var check = await CheckAsync(broker, ledgers, drain: lastRound);
            checkedMessages += check.Present;
            output.WriteLine(
                $"round {round}: SIGKILL after {crashAfter.TotalMilliseconds} ms; {consumed}; "
                + $"after restart {check.Present} present ({check.Redelivered} redelivered), {check.AckedGone} acked and gone, "
                + $"{check.AckedBack} acked but back (ack not on disk)");
        }

        // 6. Everything was taken: after a clean stop and a restart nothing comes back.
        await broker.StopGracefullyAsync();
        await broker.RestartAsync();
        await using (var connection = await broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            foreach (var ledger in ledgers)
            {
                Assert.Equal(0u, (await channel.QueueDeclarePassiveAsync(ledger.Queue)).MessageCount);
            }

            await connection.CloseAsync();
        }

        output.WriteLine($"{round} rounds in {clock.Elapsed.TotalSeconds:F1} s: {checkedMessages} queue entries checked after restarts, {ledgers.Sum(l => l.Gone.Count)} acked and gone");
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
    }

    private static async Task DeclareTopologyAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(Fanout, ExchangeType.Fanout, durable: true, autoDelete: false);
        foreach (var queue in new[] { "crash.c.a", "crash.c.b", "crash.c.direct", AckingConsumer.ProbeQueue })
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }

        await channel.QueueBindAsync("crash.c.a", Fanout, string.Empty);
        await channel.QueueBindAsync("crash.c.b", Fanout, string.Empty);
        await connection.CloseAsync();
    }

    private static async Task TopUpAsync(
        BrokerProcess broker, AckLedger[] ledgers, Dictionary<string, long> nextSequence, string stream, string exchange, string routingKey)
    {
        await using var publisher = await StreamPublisher.OpenAsync(broker, stream, exchange, routingKey, nextSequence[stream], window: 256);
        await publisher.PublishConfirmedAsync(TopUpPerRound);
        foreach (var ledger in ledgers.Where(l => l.Stream == stream))
        {
            for (var sequence = publisher.FirstSequence; sequence <= publisher.ConfirmedUpTo; sequence++)
            {
                ledger.Held.Add(sequence, new AckLedger.Entry());
            }
        }

        nextSequence[stream] = publisher.ConfirmedUpTo + 1;
    }

    private static async Task<string> ConsumeUntilKilledAsync(BrokerProcess broker, AckLedger[] ledgers, int seed, TimeSpan crashAfter)
    {
        var killed = 0;
        var consumers = new List<AckingConsumer>();
        try
        {
            for (var i = 0; i < ledgers.Length; i++)
            {
                consumers.Add(await AckingConsumer.StartAsync(broker, ledgers[i], seed + i, () => Volatile.Read(ref killed) == 1));
            }

            // The crash must hit consumers in full flow: wait for a delivery to each.
            await Wait.UntilAsync(
                () => consumers.All(c => c.Deliveries > 0) || consumers.Any(c => c.Problems.Count > 0),
                "every consumer has a delivery",
                TimeSpan.FromSeconds(30));

            // Not a wait for anything: the random moment of the crash is this test's input.
            await Task.Delay(crashAfter);
            Volatile.Write(ref killed, 1);
            await broker.KillAsync();
            await Wait.UntilAsync(() => consumers.All(c => c.IsStopped), "the consumers to see the broker die", TimeSpan.FromSeconds(30));
            foreach (var consumer in consumers)
            {
                consumer.MarkPossiblyInFlight();
            }

            var problems = consumers.SelectMany(c => c.Problems).ToList();
            Assert.True(problems.Count == 0, "consumers saw:\n" + string.Join("\n", problems.Take(20)));
            return string.Join(", ", consumers.Select((c, i) => $"{ledgers[i].Queue}: {c.Deliveries} delivered, {c.Acked} acked, {c.Requeued} requeued, {c.Probes} probes"));
        }
        finally
        {
            foreach (var consumer in consumers)
            {
                await consumer.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Reads every queue and holds it against its ledger, then either takes everything
    /// (<paramref name="drain"/>) or puts it all back, now delivered.
    /// </summary>
    private static async Task<CheckResult> CheckAsync(BrokerProcess broker, AckLedger[] ledgers, bool drain)
    {
        var result = new CheckResult();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var readBack = new List<(AckLedger Ledger, List<ReadBack> Read)>();
        foreach (var ledger in ledgers)
        {
            var read = await QueueContents.ReadAllAsync(channel, ledger.Queue);
            readBack.Add((ledger, read));
            var present = new HashSet<long>();
            for (var i = 0; i < read.Count; i++)
            {
                var message = read[i].Message;
                var sequence = message.Sequence;
                Assert.True(message.Stream == ledger.Stream, $"'{ledger.Queue}' holds {message.MessageId}, which was never routed to it");
                if (i > 0)
                {
                    Assert.True(sequence > read[i - 1].Message.Sequence, $"'{ledger.Queue}': {message.MessageId} follows {read[i - 1].Message.MessageId} (duplicate or out of order)");
                }

                Assert.False(ledger.Gone.Contains(sequence), $"'{ledger.Queue}': {message.MessageId} came back after it was acked and found gone in an earlier check");
                Assert.True(ledger.Held.TryGetValue(sequence, out var entry), $"'{ledger.Queue}' holds {message.MessageId}, which was never published");
                Assert.False(entry.AckDurable, $"'{ledger.Queue}': {message.MessageId} came back although its ack was on disk (a later publish on its channel was confirmed)");
                // After an unclean stop every recovered message is flagged, delivered or not: a
                // delivery whose record had not reached the disk must come back flagged too.
                Assert.True(read[i].Redelivered, $"'{ledger.Queue}': {message.MessageId} came back after the crash with redelivered=false (delivered before: {entry.Delivered})");

                result.Redelivered += read[i].Redelivered ? 1 : 0;
                result.AckedBack += entry.AckSent ? 1 : 0;
                present.Add(sequence);
            }

            foreach (var (sequence, entry) in ledger.Held.ToList())
            {
                if (present.Contains(sequence))
                {
                    // Read again just now: delivered, and on disk once the barrier below is confirmed.
                    entry.AckSent = false;
                    entry.Delivered = true;
                    entry.MaybeInFlight = false;
                    continue;
                }

                Assert.True(entry.AckSent, $"'{ledger.Queue}' lost {ledger.Stream}-{sequence}: confirmed, never acked, and not there after the crash");
                ledger.Held.Remove(sequence);
                ledger.Gone.Add(sequence);
                result.AckedGone++;
            }

            result.Present += read.Count;
            await QueueContents.SettleAllAsync(channel, read, requeue: !drain);
        }

        // The barrier: a confirmed publish on this channel puts the acks and delivered records above on disk.
        await channel.QueuePurgeAsync(AckingConsumer.ProbeQueue);
        await channel.BasicPublishAsync(string.Empty, AckingConsumer.ProbeQueue, mandatory: true, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, "barrier"u8.ToArray());
        foreach (var (ledger, read) in readBack)
        {
            foreach (var entry in read)
            {
                if (drain)
                {
                    ledger.Held.Remove(entry.Message.Sequence);
                    ledger.Gone.Add(entry.Message.Sequence);
                }
                else
                {
                    ledger.Held[entry.Message.Sequence].DeliveryDurable = true;
                }
            }
        }

        await connection.CloseAsync();
        return result;
    }

    private sealed class CheckResult
    {
        public long Present { get; set; }

        public long Redelivered { get; set; }

        public long AckedGone { get; set; }

        public long AckedBack { get; set; }
    }
}
