using System.Text;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Resources;
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
}
