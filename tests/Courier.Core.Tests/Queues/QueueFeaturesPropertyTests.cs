using System.Text;
using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests.Queues;

/// <summary>
/// Priorities, TTL, a length limit, dead-lettering and requeues together, in any order: no
/// delivery is of an expired or already dropped message, and every message published is accounted
/// for exactly once (acknowledged, dead-lettered, refused, or still in the queue), with the
/// queue's memory accounting balanced at the end.
/// </summary>
public class QueueFeaturesPropertyTests
{
    [Property(Arbitrary = [typeof(QueueHistories)], MaxTest = 200)]
    public void Priority_ttl_max_length_and_requeue_never_deliver_an_expired_or_dropped_message_and_never_lose_a_live_one(QueueHistory history)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var host = new RecordingHost();
        var arguments = new QueueArguments
        {
            MaxPriority = 3,
            MessageTtl = history.QueueTtl,
            MaxLength = history.MaxLength,
            DeadLetterExchange = "dlx",
            DeliveryLimit = history.DeliveryLimit,
            Overflow = history.Overflow,
        };
        var resources = Courier.Core.Resources.ResourceMonitor.Unlimited();
        var queue = new ClassicQueue("q", "/", new QueueDefinition(), null, 0, null, resources, arguments, host, clock);
        var sink = new RecordingSink(credit: 0);
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: false, exclusive: false, TestSessions.New()));

        var deadlines = new Dictionary<string, long>();
        var outstanding = new List<QueuedMessage>();
        var acked = new HashSet<string>();
        var refused = new List<string>();
        var published = 0;
        var checkedDeliveries = 0;
        foreach (var step in history.Steps)
        {
            switch (step.Kind)
            {
                case QueueStepKind.Publish:
                    var id = $"m{published++}";
                    var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
                    long? own = step.Ttl >= 0 ? step.Ttl : null;
                    var ttl = Min(own, history.QueueTtl);
                    deadlines[id] = ttl is { } t ? now + t : long.MaxValue;
                    if (!queue.Enqueue(new Message("x", "q", new MessageProperties { Priority = (byte)step.Value, ExpiryMilliseconds = own }, Encoding.UTF8.GetBytes(id)))
                        && history.Overflow == OverflowBehaviour.RejectPublish)
                    {
                        refused.Add(id);
                    }

                    break;
                case QueueStepKind.Advance:
                    clock.Advance(TimeSpan.FromMilliseconds(step.Value));
                    break;
                case QueueStepKind.Credit:
                    sink.Credit += step.Value;
                    queue.Dispatch();
                    break;
                case QueueStepKind.Ack when outstanding.Count > 0:
                    acked.Add(outstanding[0].BodyText());
                    queue.Settle(outstanding[0]);
                    outstanding.RemoveAt(0);
                    break;
                case QueueStepKind.Reject when outstanding.Count > 0:
                    queue.Reject(outstanding[^1]);
                    outstanding.RemoveAt(outstanding.Count - 1);
                    break;
                case QueueStepKind.Requeue when outstanding.Count > 0:
                    queue.Requeue([.. outstanding]);
                    outstanding.Clear();
                    break;
            }

            // Every new delivery: not expired at the moment it was made, not dead already.
            var at = clock.GetUtcNow().ToUnixTimeMilliseconds();
            for (; checkedDeliveries < sink.Delivered.Count; checkedDeliveries++)
            {
                var delivered = sink.Delivered[checkedDeliveries];
                var text = delivered.BodyText();
                Assert.True(at <= deadlines[text], $"{text} delivered at {at}, after its deadline {deadlines[text]}");
                Assert.DoesNotContain(host.Dead, d => d.Id == text);
                outstanding.Add(delivered);
            }
        }

        // Drain what is left with unlimited credit and the clock where it is: every message is in exactly one place.
        sink.Credit = int.MaxValue;
        queue.Dispatch();
        var remaining = sink.Delivered.Skip(checkedDeliveries).Select(m => m.BodyText()).ToList();
        var all = acked.Concat(outstanding.Select(m => m.BodyText())).Concat(remaining).Concat(host.Dead.Select(d => d.Id)).Concat(refused).ToList();
        Assert.Equal(published, all.Count);
        Assert.Equal(published, all.Distinct().Count());
        Assert.All(host.Dead, d => Assert.Contains(d.Reason, new[] { DeathReason.Expired, DeathReason.MaxLength, DeathReason.Rejected, DeathReason.DeliveryLimit }));

        // Memory accounting balances: once everything is settled, no message bytes are counted.
        foreach (var message in outstanding.Concat(sink.Delivered.Skip(checkedDeliveries)))
        {
            queue.Settle(message);
        }

        Assert.Equal(0, resources.MessageBytes);
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    private sealed class RecordingHost : IQueueHost
    {
        public List<(string Id, DeathReason Reason)> Dead { get; } = [];

        public void PublishDeadLetter(Message letter, IQueue from, DeathReason reason) =>
            Dead.Add((Encoding.UTF8.GetString(letter.Body.Span), reason));

        public void DeleteExpired(IQueue queue)
        {
        }
    }
}

public enum QueueStepKind
{
    Publish,
    Advance,
    Credit,
    Ack,
    Reject,
    Requeue,
}

/// <summary>One step; <see cref="Value"/> is the priority, milliseconds or credit; <see cref="Ttl"/> a message's own TTL, or -1 for none.</summary>
public sealed record QueueStep(QueueStepKind Kind, int Value, int Ttl);

public sealed record QueueHistory(long? QueueTtl, long? MaxLength, long? DeliveryLimit, OverflowBehaviour Overflow, QueueStep[] Steps)
{
    public override string ToString() =>
        $"ttl={QueueTtl} max-length={MaxLength} delivery-limit={DeliveryLimit} overflow={Overflow}: {string.Join(", ", Steps.Select(s => $"{s.Kind}({s.Value},{s.Ttl})"))}";
}

public static class QueueHistories
{
    public static Arbitrary<QueueHistory> History()
    {
        var publish =
            from priority in Gen.Choose(0, 5)
            from ttl in Gen.Frequency((2, Gen.Constant(-1)), (1, Gen.Choose(0, 50)))
            select new QueueStep(QueueStepKind.Publish, priority, ttl);
        var advance = Gen.Choose(0, 30).Select(ms => new QueueStep(QueueStepKind.Advance, ms, -1));
        var credit = Gen.Choose(1, 3).Select(n => new QueueStep(QueueStepKind.Credit, n, -1));
        var other = Gen.Elements(QueueStepKind.Ack, QueueStepKind.Reject, QueueStepKind.Requeue).Select(k => new QueueStep(k, 0, -1));
        var step = Gen.Frequency((5, publish), (3, advance), (3, credit), (3, other));
        var optional = (int low, int high) => Gen.Frequency((1, Gen.Constant<long?>(null)), (2, Gen.Choose(low, high).Select(v => (long?)v)));
        var history =
            from ttl in optional(0, 60)
            from maxLength in optional(0, 6)
            from deliveryLimit in optional(0, 3)
            from overflow in Gen.Elements(OverflowBehaviour.DropHead, OverflowBehaviour.RejectPublish, OverflowBehaviour.RejectPublishDlx)
            from steps in Gen.Choose(1, 60).SelectMany(n => step.ArrayOf(n))
            select new QueueHistory(ttl, maxLength, deliveryLimit, overflow, steps);
        return Arb.From(history, Shrink);
    }

    private static IEnumerable<QueueHistory> Shrink(QueueHistory history) =>
        Enumerable.Range(0, history.Steps.Length).Select(i => history with { Steps = [.. history.Steps.Where((_, j) => j != i)] });
}
