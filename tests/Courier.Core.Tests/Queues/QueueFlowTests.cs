using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Resources;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Queues;

/// <summary>Flow: a queue whose consumers are behind asks publishers to wait, and lets them go once it has drained to half.</summary>
public sealed class QueueFlowTests
{
    private const int Limit = 100;

    private static (ClassicQueue Queue, ResourceMonitor Resources) NewQueue()
    {
        var resources = new ResourceMonitor(new ResourceLimits { QueueReadyInMemory = Limit, DiskFreeLimit = 0 }, TimeProvider.System, diskFree: null);
        return (new ClassicQueue("q", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources), resources);
    }

    private static void Fill(ClassicQueue queue, int count)
    {
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(TestMessages.Create(body: "x"));
        }
    }

    [Fact]
    public void A_backlog_at_the_limit_behind_a_stalled_consumer_limits_flow_until_half_of_it_is_drained()
    {
        var (queue, resources) = NewQueue();
        using var _ = resources;
        var sink = new RecordingSink(credit: 0);
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));

        Fill(queue, Limit - 1);
        Assert.False(queue.IsFlowLimited);
        Fill(queue, 1);
        Assert.True(queue.IsFlowLimited);
        var released = queue.WhenFlowReleased();
        Assert.False(released.IsCompleted);

        sink.Credit = Limit / 2 - 1;
        queue.Dispatch();
        Assert.True(queue.IsFlowLimited, "51 left: still above half");
        Assert.False(released.IsCompleted);

        sink.Credit = 1;
        queue.Dispatch();
        Assert.False(queue.IsFlowLimited);
        Assert.True(released.IsCompletedSuccessfully);
        Assert.True(queue.WhenFlowReleased().IsCompleted);
    }

    [Fact]
    public void A_queue_without_consumers_never_limits_flow()
    {
        var (queue, resources) = NewQueue();
        using var _ = resources;

        Fill(queue, Limit * 3);

        Assert.False(queue.IsFlowLimited);
        Assert.True(queue.WhenFlowReleased().IsCompleted);
    }

    [Fact]
    public void Losing_its_last_consumer_or_being_deleted_or_purged_releases_the_queue()
    {
        foreach (var release in new Action<ClassicQueue, QueueConsumer>[]
                 {
                     (q, c) => q.RemoveConsumer(c),
                     (q, _) => q.Delete(),
                     (q, _) => q.Purge(),
                 })
        {
            var (queue, resources) = NewQueue();
            using var _ = resources;
            var consumer = new QueueConsumer("c", new RecordingSink(credit: 0), autoSettle: true, exclusive: false, owner: TestSessions.New());
            queue.AddConsumer(consumer);
            Fill(queue, Limit);
            var released = queue.WhenFlowReleased();
            Assert.False(released.IsCompleted);

            release(queue, consumer);

            Assert.False(queue.IsFlowLimited);
            Assert.True(released.IsCompletedSuccessfully);
        }
    }

    [Fact]
    public void Without_a_per_queue_limit_flow_is_never_limited()
    {
        using var resources = ResourceMonitor.Unlimited();
        var queue = new ClassicQueue("q", "/", new QueueDefinition(), exclusiveOwner: null, storeId: 0, store: null, resources);
        queue.AddConsumer(new QueueConsumer("c", new RecordingSink(credit: 0), autoSettle: true, exclusive: false, owner: TestSessions.New()));

        Fill(queue, 10_000);

        Assert.False(queue.IsFlowLimited);
    }
}
