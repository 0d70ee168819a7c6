using Courier.Core.Storage;
using Courier.Storage.Devices;
using Courier.Storage.Journal;
using Courier.Storage.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Courier.Storage.Tests.Journal.TornTailRecoveryTests;

namespace Courier.Storage.Tests.Journal;

/// <summary>
/// Random histories of appends (to random sets of queues), settles, deliveries and synced
/// restarts-after-power-loss, checked against a plain model of what each queue holds. Small
/// segments make the histories roll and release segments, so the release rules are exercised
/// against replay: whatever the store deleted, a restart must give back exactly the model.
/// </summary>
public class JournalModelPropertyTests
{
    private static readonly int[] AllQueues = [1, 2, 3, 4];

    [Property(Arbitrary = [typeof(JournalHistories)], MaxTest = 150)]
    public void After_a_restart_the_store_holds_exactly_what_the_model_holds(JournalHistory history)
    {
        var device = new MemoryJournalDevice();
        var model = new SortedDictionary<long, ModelMessage>();
        var store = Open(device, CommitPolicy.Always, out _, segmentSize: 1024);
        try
        {
            long last = 0;
            var appended = 0;
            foreach (var step in history.Steps)
            {
                switch (step.Kind)
                {
                    case StepKind.Append:
                        {
                            var message = SampleMessages.Plain(++appended, step.BodySize);
                            var body = message.Body.ToArray();
                            var stored = store.AppendMessage(message, step.Queues);
                            model.Add(stored.MessageId, new ModelMessage(stored.Ref, body, [.. step.Queues]));
                            last = stored.CommitSequence;
                            break;
                        }

                    case StepKind.Settle when Pick(model, step.Pick) is var (id, queue, message):
                        last = store.AppendSettle(queue, message.Ref);
                        message.Queues.Remove(queue);
                        message.Delivered.Remove(queue);
                        if (message.Queues.Count == 0)
                        {
                            model.Remove(id);
                        }

                        break;

                    case StepKind.Deliver when Pick(model, step.Pick) is var (_, queue, message):
                        last = store.AppendDelivered(queue, message.Ref);
                        message.Delivered.Add(queue);
                        break;

                    case StepKind.Restart:
                        store = SyncCrashAndReopen(store, device, last);
                        last = 0;
                        break;
                }
            }

            store = SyncCrashAndReopen(store, device, last);
        }
        finally
        {
            store.Dispose();
        }

        JournalMessageStore SyncCrashAndReopen(JournalMessageStore current, MemoryJournalDevice device, long position)
        {
            var probe = new DurabilityProbe();
            current.WhenDurable(position, probe);
            Assert.Equal(DurabilityOutcome.Durable, probe.Wait());
            current.Dispose();
            device.Crash();
            var reopened = Open(device, CommitPolicy.Always, out var recovery, segmentSize: 1024);
            AssertMatchesModel(reopened, recovery, model);
            return reopened;
        }
    }

    private static void AssertMatchesModel(JournalMessageStore store, StoreRecovery recovery, SortedDictionary<long, ModelMessage> model)
    {
        Assert.Equal(model.Count, recovery.Messages);
        foreach (var queue in AllQueues)
        {
            var expected = model.Where(p => p.Value.Queues.Contains(queue)).Select(p => (p.Value.Ref, p.Value.Delivered.Contains(queue)));
            var actual = recovery.Queues.TryGetValue(queue, out var list) ? list.Select(m => (m.Ref, m.Delivered)) : [];
            Assert.Equal(expected, actual);
        }

        foreach (var message in model.Values)
        {
            Assert.Equal(message.Body, store.Load(message.Ref).Body.ToArray());
        }
    }

    /// <summary>The <paramref name="pick"/>th (modulo) live (message, queue) pair of the model, or none.</summary>
    private static (long Id, int Queue, ModelMessage Message)? Pick(SortedDictionary<long, ModelMessage> model, int pick)
    {
        var pairs = model.SelectMany(p => p.Value.Queues.Select(q => (p.Key, q, p.Value))).ToList();
        return pairs.Count == 0 ? null : pairs[pick % pairs.Count];
    }

    private sealed record ModelMessage(MessageRef Ref, byte[] Body, SortedSet<int> Queues)
    {
        public HashSet<int> Delivered { get; } = [];
    }
}

public enum StepKind
{
    Append,
    Settle,
    Deliver,
    Restart,
}

public sealed record JournalStep(StepKind Kind, int[] Queues, int BodySize, int Pick)
{
    public override string ToString() => Kind switch
    {
        StepKind.Append => $"append {BodySize}B to [{string.Join(",", Queues)}]",
        StepKind.Settle => $"settle #{Pick}",
        StepKind.Deliver => $"deliver #{Pick}",
        _ => "restart",
    };
}

public sealed record JournalHistory(JournalStep[] Steps)
{
    public override string ToString() => string.Join("; ", Steps.Select(s => s.ToString()));
}

public static class JournalHistories
{
    public static Arbitrary<JournalHistory> History()
    {
        var append =
            from queues in Gen.SubListOf(1, 2, 3, 4).Where(q => q.Count > 0)
            from size in Gen.Choose(0, 700)
            select new JournalStep(StepKind.Append, [.. queues], size, 0);
        var settle = Gen.Choose(0, 1000).Select(p => new JournalStep(StepKind.Settle, [], 0, p));
        var deliver = Gen.Choose(0, 1000).Select(p => new JournalStep(StepKind.Deliver, [], 0, p));
        var restart = Gen.Constant(new JournalStep(StepKind.Restart, [], 0, 0));
        var step = Gen.Frequency((5, append), (4, settle), (2, deliver), (1, restart));
        var history = Gen.Choose(1, 80).SelectMany(n => step.ArrayOf(n)).Select(steps => new JournalHistory(steps));
        return Arb.From(history, Shrink);
    }

    /// <summary>Shrinks by dropping one step at a time, so a failure is reported as a short history.</summary>
    private static IEnumerable<JournalHistory> Shrink(JournalHistory history) =>
        Enumerable.Range(0, history.Steps.Length).Select(i => new JournalHistory([.. history.Steps.Where((_, j) => j != i)]));
}
