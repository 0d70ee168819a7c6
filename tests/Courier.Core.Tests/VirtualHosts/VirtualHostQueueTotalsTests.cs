using Courier.Core.Policies;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests.VirtualHosts;

/// <summary>
/// The vhost's queue totals and name order, which the management overview and first page read
/// instead of walking every queue, agree with a walk of every queue after whatever changed them.
/// </summary>
public sealed class VirtualHostQueueTotalsTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UnixEpoch.AddDays(20000));
    private readonly ClientSession _connection = TestSessions.New();
    private readonly VirtualHost _vhost;

    public VirtualHostQueueTotalsTests()
    {
        var broker = new Broker(new BrokerOptions()) { Time = _clock };
        _vhost = broker.AddVirtualHost("/");
    }

    private IQueue Declare(string name, Dictionary<string, object?>? arguments = null) =>
        _vhost.DeclareQueue(name, arguments is null ? new QueueDefinition() : new QueueDefinition { Arguments = arguments }, passive: false, _connection).Queue;

    /// <summary>The totals and the order, against a walk of every queue under its own lock.</summary>
    private void AssertAgreesWithWalk()
    {
        long ready = 0, unacknowledged = 0, consumers = 0;
        var names = new List<string>();
        foreach (var queue in _vhost.Queues)
        {
            ready += queue.MessageCount;
            unacknowledged += queue.UnsettledCount;
            consumers += queue.ConsumerCount;
            names.Add(queue.Name);
            Assert.Equal(new QueueCounts(queue.MessageCount, queue.UnsettledCount, queue.ConsumerCount), queue.LastCounts);
        }

        Assert.Equal((ready, unacknowledged, consumers), (_vhost.QueueTotals.Ready, _vhost.QueueTotals.Unacknowledged, _vhost.QueueTotals.Consumers));
        names.Sort(string.CompareOrdinal);
        Assert.Equal(names.Count, _vhost.QueueCount);
        Assert.Equal(names, _vhost.QueuesInNameOrder(0, int.MaxValue, descending: false).Select(q => q.Name));
        names.Reverse();
        Assert.Equal(names, _vhost.QueuesInNameOrder(0, int.MaxValue, descending: true).Select(q => q.Name));
    }

    [Fact]
    public void Declare_publish_deliver_ack_requeue_get_purge_expire_policy_and_delete_keep_the_totals_of_a_walk()
    {
        var orders = Declare("orders");
        var audit = Declare("audit", new() { ["x-message-ttl"] = 1000 });
        var idle = Declare("idle", new() { ["x-expires"] = 5000 });
        AssertAgreesWithWalk();

        for (var i = 0; i < 5; i++)
        {
            orders.Enqueue(TestMessages.Create("orders", $"o{i}"));
            audit.Enqueue(TestMessages.Create("audit", $"a{i}"));
        }

        idle.Enqueue(TestMessages.Create("idle", "i"));
        AssertAgreesWithWalk();

        var sink = new RecordingSink(credit: 3);
        var consumer = new QueueConsumer("c", sink, autoSettle: false, exclusive: false, _connection);
        orders.AddConsumer(consumer);
        AssertAgreesWithWalk();

        orders.Settle(sink.Delivered[0]);
        orders.Requeue([sink.Delivered[1]]);
        AssertAgreesWithWalk();

        orders.TryGet(autoSettle: false, out var got);
        Assert.NotNull(got);
        AssertAgreesWithWalk();
        orders.Reject(got!);
        AssertAgreesWithWalk();

        Assert.Equal(5, _vhost.PurgeQueue("audit", _connection));
        audit.Enqueue(TestMessages.Create("audit", "late"));
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, audit.MessageCount);
        AssertAgreesWithWalk();

        _vhost.SetPolicy(Policy.Create("cap", "^orders$", "queues", 0, new Dictionary<string, object?> { ["max-length"] = 1 }, operatorPolicy: false), operatorPolicy: false);
        Assert.Equal(1, orders.MessageCount);
        AssertAgreesWithWalk();
        _vhost.ClearPolicy("cap", operatorPolicy: false);

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.False(_vhost.TryGetQueue("idle", out _));
        AssertAgreesWithWalk();

        // Deleted with a consumer and a message out with it: the queue takes back all it had added.
        _vhost.DeleteQueue("orders", ifUnused: false, ifEmpty: false, _connection);
        AssertAgreesWithWalk();
        Assert.Equal((0L, 0L, 0L), (_vhost.QueueTotals.Ready, _vhost.QueueTotals.Unacknowledged, _vhost.QueueTotals.Consumers));
        orders.Settle(sink.Delivered[^1]);
        AssertAgreesWithWalk();
    }

    [Fact]
    public void Random_changes_to_many_queues_keep_the_totals_and_order_of_a_walk()
    {
        var random = new Random(12);
        var consumers = new Dictionary<IQueue, (QueueConsumer Consumer, RecordingSink Sink)>();
        for (var step = 0; step < 3000; step++)
        {
            var name = "q" + random.Next(40);
            _vhost.TryGetQueue(name, out var queue);
            switch (random.Next(9))
            {
                case 0 when queue is null:
                    Declare(name);
                    break;
                case 1 when queue is not null:
                    _vhost.DeleteQueue(name, ifUnused: false, ifEmpty: false, _connection);
                    consumers.Remove(queue);
                    break;
                case 2 or 3 when queue is not null:
                    queue.Enqueue(TestMessages.Create(name, "m"));
                    break;
                case 4 when queue is not null && !consumers.ContainsKey(queue):
                    var sink = new RecordingSink(credit: random.Next(1, 4));
                    var consumer = new QueueConsumer("c" + step, sink, autoSettle: false, exclusive: false, _connection);
                    queue.AddConsumer(consumer);
                    consumers[queue] = (consumer, sink);
                    break;
                case 5 when queue is not null && consumers.TryGetValue(queue, out var held) && held.Sink.Delivered.Count > 0:
                    var message = held.Sink.Delivered[^1];
                    held.Sink.Delivered.RemoveAt(held.Sink.Delivered.Count - 1);
                    if (random.Next(2) == 0)
                    {
                        queue.Settle(message);
                    }
                    else
                    {
                        held.Sink.Credit++;
                        queue.Requeue([message]);
                    }

                    break;
                case 6 when queue is not null && consumers.Remove(queue, out var leaving):
                    leaving.Sink.Credit = 0;
                    queue.Requeue([.. leaving.Sink.Delivered]);
                    queue.RemoveConsumer(leaving.Consumer);
                    break;
                case 7 when queue is not null:
                    queue.Purge();
                    break;
                case 8 when queue is not null && queue.TryGet(autoSettle: true, out _) >= 0:
                    break;
            }

            AssertAgreesWithWalk();
        }
    }

    [Fact]
    public async Task Publishers_and_getters_on_several_threads_leave_totals_equal_to_a_walk()
    {
        var queues = Enumerable.Range(0, 8).Select(i => Declare("p" + i)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                var queue = queues[(i + t) % queues.Length];
                queue.Enqueue(TestMessages.Create(queue.Name, "m"));
                if (i % 3 == 0)
                {
                    queue.TryGet(autoSettle: true, out _);
                }
            }
        })));

        AssertAgreesWithWalk();
        Assert.True(_vhost.QueueTotals.Ready > 0);
    }

    [Fact]
    public void Pages_of_the_name_order_skip_and_take_from_either_end()
    {
        foreach (var name in new[] { "b", "a", "d", "c", "e" })
        {
            Declare(name);
        }

        Assert.Equal(["c", "d"], _vhost.QueuesInNameOrder(2, 2, descending: false).Select(q => q.Name));
        Assert.Equal(["c", "b", "a"], _vhost.QueuesInNameOrder(2, 10, descending: true).Select(q => q.Name));
        Assert.Empty(_vhost.QueuesInNameOrder(5, 10, descending: false));
        _vhost.DeleteQueue("c", ifUnused: false, ifEmpty: false, _connection);
        Assert.Equal(["b", "d"], _vhost.QueuesInNameOrder(1, 2, descending: false).Select(q => q.Name));
    }
}
