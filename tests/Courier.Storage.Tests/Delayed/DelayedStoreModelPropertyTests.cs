using Courier.Core.Delayed;
using Courier.Core.Messages;
using Courier.Storage.Delayed;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Storage.Tests.Delayed;

/// <summary>
/// Random histories of schedules (persistent and transient, on two exchanges), the clock moving
/// with everything due taken and routed, an exchange deleted and declared again, and restarts
/// (after a sync, then power loss), on small journal segments so they roll and are released:
/// every persistent message comes out exactly once and never early, a transient one at most once
/// and never after a restart, and none of a deleted exchange's.
/// </summary>
public sealed class DelayedStoreModelPropertyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-delayed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Property(Arbitrary = [typeof(DelayedHistories)], MaxTest = 100)]
    public void Any_interleaving_of_schedule_take_due_and_restart_yields_every_message_once_and_never_early(DelayedStep[] steps)
    {
        var device = new MemoryJournalDevice();
        var node = Node.Open(device, _directory);
        var keys = new Dictionary<string, int> { ["a"] = node.Store.Declare("/", "a"), ["b"] = node.Store.Declare("/", "b") };
        var expected = new Dictionary<string, (string Exchange, long DueAt, bool Persistent)>();
        var taken = new List<string>();
        long now = 1_000_000;
        var n = 0;
        try
        {
            foreach (var step in steps)
            {
                switch (step.Kind)
                {
                    case DelayedStepKind.Schedule:
                        {
                            var id = $"m{n++}";
                            var dueAt = now + step.Value;
                            node.Store.Schedule(keys[step.Exchange], Message(id, step.Persistent), dueAt);
                            expected[id] = (step.Exchange, dueAt, step.Persistent);
                            break;
                        }

                    case DelayedStepKind.Advance:
                        now += step.Value;
                        while (node.Store.TryTakeDue(now, out var due))
                        {
                            var id = due.Message.RoutingKey;
                            Assert.True(expected.Remove(id, out var model), $"{id} taken but not expected (twice, or dropped)");
                            Assert.True(model.DueAt <= now, $"{id} taken at {now}, due at {model.DueAt}");
                            Assert.Equal(model.DueAt, due.DueAt);
                            Assert.Equal(model.Persistent, due.Persistent);
                            taken.Add(id);
                            node.Store.Complete(due);
                        }

                        Assert.DoesNotContain(expected.Values, m => m.DueAt <= now);
                        break;

                    case DelayedStepKind.DeleteExchange:
                        node.Store.Forget(keys[step.Exchange]);
                        keys[step.Exchange] = node.Store.Declare("/", step.Exchange);
                        foreach (var id in expected.Where(p => p.Value.Exchange == step.Exchange).Select(p => p.Key).ToList())
                        {
                            expected.Remove(id);
                        }

                        break;

                    case DelayedStepKind.Restart:
                        node = node.SyncCrashAndReopen(device, _directory);
                        keys = node.Store.RecoveredExchanges.ToDictionary(k => k.Exchange, k => k.Key);
                        Assert.Equal(["a", "b"], keys.Keys.Order());
                        foreach (var id in expected.Where(p => !p.Value.Persistent).Select(p => p.Key).ToList())
                        {
                            expected.Remove(id);
                        }

                        break;
                }
            }

            now += 10_000;
            while (node.Store.TryTakeDue(now, out var due))
            {
                Assert.True(expected.Remove(due.Message.RoutingKey), $"{due.Message.RoutingKey} taken but not expected");
                node.Store.Complete(due);
            }

            Assert.Empty(expected);
        }
        finally
        {
            node.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static Message Message(string id, bool persistent) => new(
        "delayed",
        id,
        new MessageProperties { Persistence = persistent ? DeliveryPersistence.Persistent : DeliveryPersistence.Transient },
        SampleMessages.Body(id.Length, 100));

    /// <summary>A journal and the delayed store over it, as a node opens them.</summary>
    internal sealed record Node(JournalMessageStore Journal, DelayedMessageStore Store) : IDisposable
    {
        public static Node Open(MemoryJournalDevice device, string directory, int segmentSize = 1024)
        {
            var journal = new JournalMessageStore(device, new JournalOptions { SegmentSize = segmentSize }, NullLogger.Instance);
            var store = new DelayedMessageStore(journal, directory, new DueTimeIndexOptions { SliceMillis = 50, LookaheadMillis = 50, BufferedBytes = 256 });
            journal.Recover();
            return new Node(journal, store);
        }

        public Node SyncCrashAndReopen(MemoryJournalDevice device, string directory)
        {
            Sync();
            Dispose();
            device.Crash();
            return Open(device, directory);
        }

        public void Sync()
        {
            var probe = new DurabilityProbe();
            Journal.WhenDurable(Journal.Journal.LastSequence, probe);
            Assert.Equal(DurabilityOutcome.Durable, probe.Wait());
        }

        public void Dispose() => Journal.Dispose();
    }
}

public enum DelayedStepKind
{
    Schedule,
    Advance,
    DeleteExchange,
    Restart,
}

public sealed record DelayedStep(DelayedStepKind Kind, string Exchange, int Value, bool Persistent)
{
    public override string ToString() => Kind switch
    {
        DelayedStepKind.Schedule => $"schedule on {Exchange} in {Value}ms{(Persistent ? string.Empty : " (transient)")}",
        DelayedStepKind.Advance => $"+{Value}ms",
        DelayedStepKind.DeleteExchange => $"delete and redeclare {Exchange}",
        _ => "restart",
    };
}

public static class DelayedHistories
{
    public static Arbitrary<DelayedStep[]> Steps()
    {
        var schedule =
            from exchange in Gen.Elements("a", "b")
            from delay in Gen.Frequency((3, Gen.Choose(1, 500)), (1, Gen.Choose(1, 20)))
            from persistent in Gen.Frequency((4, Gen.Constant(true)), (1, Gen.Constant(false)))
            select new DelayedStep(DelayedStepKind.Schedule, exchange, delay, persistent);
        var advance = Gen.Choose(1, 300).Select(a => new DelayedStep(DelayedStepKind.Advance, string.Empty, a, false));
        var delete = Gen.Elements("a", "b").Select(e => new DelayedStep(DelayedStepKind.DeleteExchange, e, 0, false));
        var restart = Gen.Constant(new DelayedStep(DelayedStepKind.Restart, string.Empty, 0, false));
        var step = Gen.Frequency((6, schedule), (3, advance), (1, delete), (1, restart));
        return Arb.From(Gen.Choose(1, 80).SelectMany(n => step.ArrayOf(n)), Shrink);
    }

    private static IEnumerable<DelayedStep[]> Shrink(DelayedStep[] steps) =>
        Enumerable.Range(0, steps.Length).Select(i => steps.Where((_, j) => j != i).ToArray());
}
