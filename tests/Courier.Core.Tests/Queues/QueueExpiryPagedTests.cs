using System.Text;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Resources;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests.Queues;

/// <summary>
/// A TTL queue nobody consumes drains its journal-only backlog as messages expire, each dead letter
/// read back outside the queue's lock, and a length limit drops from that backlog too.
/// </summary>
public class QueueExpiryPagedTests
{
    private const int Backlog = ClassicQueue.KeptInMemoryWhilePaging * 3;

    private sealed class RecordingHost : IQueueHost
    {
        public List<(string Body, DeathReason Reason)> Dead { get; } = [];

        public void PublishDeadLetter(Message letter, IQueue from, DeathReason reason) => Dead.Add((Encoding.UTF8.GetString(letter.Body.Span), reason));

        public void DeleteExpired(IQueue queue)
        {
        }
    }

    private static (ClassicQueue Queue, InMemoryMessageStore Store, RecordingHost Host, FakeTimeProvider Clock) DurableQueue(QueueArguments arguments)
    {
        var store = new InMemoryMessageStore();
        var host = new RecordingHost();
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var queue = new ClassicQueue("q", "/", new QueueDefinition { Durable = true }, null, 1, store, ResourceMonitor.Unlimited(), arguments, host, clock);
        return (queue, store, host, clock);
    }

    private static void EnqueueStored(ClassicQueue queue, InMemoryMessageStore store, string body)
    {
        var message = new Message("", "q", new MessageProperties { Persistence = DeliveryPersistence.Persistent }, Encoding.UTF8.GetBytes(body));
        queue.Enqueue(message, store.AppendMessage(message, [1]));
    }

    [Fact]
    public void Every_message_of_a_paged_backlog_expires_and_is_dead_lettered_in_order_without_a_consumer()
    {
        var (queue, store, host, clock) = DurableQueue(new QueueArguments { MessageTtl = 100, DeadLetterExchange = "dlx" });
        for (var i = 0; i < Backlog; i++)
        {
            EnqueueStored(queue, store, $"m{i}");
        }

        Assert.Equal(Backlog, queue.MessageCount);
        clock.Advance(TimeSpan.FromMilliseconds(101));

        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(Enumerable.Range(0, Backlog).Select(i => $"m{i}"), host.Dead.Select(d => d.Body));
        Assert.All(host.Dead, d => Assert.Equal(DeathReason.Expired, d.Reason));
        Assert.Equal(Backlog, store.Settled.Count);
    }

    [Fact]
    public void Drop_head_drops_the_oldest_even_when_only_the_journal_holds_it()
    {
        var (queue, store, host, _) = DurableQueue(new QueueArguments { MaxLength = 10, DeadLetterExchange = "dlx" });
        for (var i = 0; i < Backlog; i++)
        {
            EnqueueStored(queue, store, $"m{i}");
        }

        Assert.Equal(10, queue.MessageCount);
        Assert.Equal(Enumerable.Range(0, Backlog - 10).Select(i => $"m{i}"), host.Dead.Select(d => d.Body));
    }

    private static RecoveredMessage Stored(InMemoryMessageStore store, string body, long arrivedAt, long? expiration = null)
    {
        var message = new Message("", "q", new MessageProperties { Persistence = DeliveryPersistence.Persistent, ExpiryMilliseconds = expiration }, Encoding.UTF8.GetBytes(body));
        return new RecoveredMessage(store.AppendMessage(message, [1]).Ref, Delivered: false, ArrivedAt: arrivedAt);
    }

    [Fact]
    public void After_a_restart_the_queue_ttl_counts_from_each_message_s_original_arrival()
    {
        var (queue, store, host, clock) = DurableQueue(new QueueArguments { MessageTtl = 1_000, DeadLetterExchange = "dlx" });
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        queue.Restore(store, [Stored(store, "gone", now - 2_000), Stored(store, "young", now - 400), Stored(store, "format-2", 0)]);

        var sink = new RecordingSink(credit: 0);
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: true, exclusive: false, owner: TestSessions.New()));
        Assert.Equal([("gone", DeathReason.Expired)], host.Dead);
        Assert.Equal(2, queue.MessageCount);

        // "young" arrived 400 ms before the restart: 600 ms are left. The one whose record had no
        // arrival time counts from the restart: 1,000 ms.
        clock.Advance(TimeSpan.FromMilliseconds(601));
        Assert.Equal([("gone", DeathReason.Expired), ("young", DeathReason.Expired)], host.Dead);
        sink.Credit = 10;
        queue.Dispatch();
        Assert.Equal(["format-2"], sink.Bodies);
    }

    [Fact]
    public void After_a_restart_a_message_s_own_expiration_counts_from_its_arrival_too()
    {
        var (queue, store, host, clock) = DurableQueue(new QueueArguments { DeadLetterExchange = "dlx" });
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        queue.Restore(store, [Stored(store, "late", now - 1_500, expiration: 1_000), Stored(store, "kept", now - 1_500), Stored(store, "soon", now - 100, expiration: 1_000)]);

        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: false, exclusive: false, owner: TestSessions.New()));

        Assert.Equal([("late", DeathReason.Expired)], host.Dead);
        Assert.Equal(["kept", "soon"], sink.Bodies);
        Assert.All(sink.Delivered, m => Assert.True(m.ExpiresAt >= 0));
    }
}
