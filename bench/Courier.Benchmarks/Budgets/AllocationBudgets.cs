using Courier.Benchmarks.Framing;
using Courier.Benchmarks.Journal;
using Courier.Benchmarks.Queues;
using Courier.Benchmarks.Routing;
using Courier.Storage.Journal;

namespace Courier.Benchmarks.Budgets;

/// <summary>
/// The allocation budget of every per-message hot path, in bytes per operation. A path over its
/// budget fails CI (tests/Courier.Benchmarks.Tests, or <c>--check-budgets</c>). Budgets were set at
/// the measured figure, rounded up a little, in the Debug build that <c>dotnet test</c> runs
/// (unoptimised code allocates at least as much as tiered, optimised code). Where the figure is not
/// zero the reason names what is allocated; where it should be zero and is not, the reason says so.
/// Raise a budget only with a reason; lower it whenever a change makes the path cheaper.
/// </summary>
public static class AllocationBudgets
{
    // Building 100k topic bindings takes a moment: every routing path shares one topology.
    private static readonly Lazy<RoutingTopology> Topology = new(() => new RoutingTopology());

    public static IReadOnlyList<AllocationBudget> All { get; } =
    [
        new("parse publish, 1 segment", 640,
            "measured 624: what the message must own: Message 72 B (its annotations inline), body 280 B (256 + array header), " +
            "MessageProperties 112 B (value-typed properties behind presence bits), and three strings: exchange 48 B, routing key 56 B, content type 56 B",
            static () =>
            {
                var frames = new PublishFrames();
                return new HotPathRun(() => PublishParser.Parse(frames.SingleSegment, PublishFrames.FrameMax));
            }),
        new("parse publish, 5 segments", 640,
            "measured 624, as in one segment: split method and header payloads are copied into pooled buffers, not new ones",
            static () =>
            {
                var frames = new PublishFrames();
                return new HotPathRun(() => PublishParser.Parse(frames.Split, PublishFrames.FrameMax));
            }),
        new("write deliver+header+body", 0,
            "frames are written straight into the caller's buffer",
            static () =>
            {
                var frames = new DeliveryFrames();
                return new HotPathRun(() => frames.Write());
            }),
        new("route direct", 0,
            "the channel's RoutingResult is reused; a lookup and a list copy",
            static () => new HotPathRun(() => Topology.Value.RouteDirect())),
        new("route fanout", 0,
            "the channel's RoutingResult is reused",
            static () => new HotPathRun(() => Topology.Value.RouteFanout())),
        new("route topic", 0,
            "the trie matches slices of the key: no split, no strings",
            static () => new HotPathRun(() => Topology.Value.RouteTopic())),
        new("route headers", 0,
            "each binding's arguments are read into a rule when it is made; matching walks an array",
            static () => new HotPathRun(() => Topology.Value.RouteHeaders())),
        new("enqueue+deliver+settle", 80,
            "measured 72: the queue's entry for the message (QueuedMessage), one object per message per queue",
            static () =>
            {
                var cycle = new QueueCycle();
                return new HotPathRun(() => cycle.EnqueueDeliverSettle());
            }),
        new("encode message record, headers", 0,
            "the neutral encoding measures and writes straight into the journal's buffer; a Dictionary's header table is walked with its struct enumerator",
            static () =>
            {
                var encoding = new MessageRecordEncoding();
                return new HotPathRun(() => encoding.Encode());
            }),
        // Measured 0 and under 1 B: the allowance covers what is rare, not per message (a new
        // segment and its buffers when the tail rolls, the waiter list growing), and still fails
        // on any per-message allocation, the smallest of which is 24 B.
        JournalAppend(queues: 1, 8),
        JournalAppend(queues: 10, 8),
    ];

    public static AllocationBudget Get(string name)
    {
        foreach (var budget in All)
        {
            if (budget.Name == name)
            {
                return budget;
            }
        }

        throw new ArgumentException($"no budget named '{name}'", nameof(name));
    }

    private static AllocationBudget JournalAppend(int queues, long budget) => new(
        $"journal append, {queues} queue{(queues == 1 ? "" : "s")}",
        budget,
        "the record is written from a ref struct straight into the journal's reused buffer; segment rolls amortise to under 8 B",
        () =>
        {
            var workload = new JournalWorkload(queues, CommitPolicy.Never, segmentSize: 64 * 1024 * 1024);
            return new HotPathRun(() => workload.AppendDraining(drainEvery: 64), workload);
        });
}
