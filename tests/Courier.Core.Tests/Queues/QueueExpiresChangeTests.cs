using Courier.Core.Messages;
using Courier.Core.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests.Queues;

/// <summary>A queue's <c>x-expires</c> can be changed (an MQTT session's expiry changed): the new value counts from the change.</summary>
public sealed class QueueExpiresChangeTests
{
    private static (ClassicQueue Queue, FakeTimeProvider Clock, ExpiryHost Host) Queue(long expires)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var host = new ExpiryHost();
        var definition = new QueueDefinition { Durable = true, Arguments = new Dictionary<string, object?> { ["x-expires"] = expires } };
        var queue = new ClassicQueue("q", "/", definition, null, 0, null, null, arguments: null, host, clock);
        return (queue, clock, host);
    }

    [Fact]
    public void A_longer_expiry_keeps_the_queue_past_the_old_one_and_expires_it_at_the_new_one()
    {
        var (queue, clock, host) = Queue(expires: 1_000);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        queue.ChangeExpires(10_000);

        clock.Advance(TimeSpan.FromMilliseconds(1_000));
        Assert.Empty(host.Expired);
        Assert.Equal(10_000L, queue.Definition.Arguments["x-expires"]);
        Assert.Equal(10_000, queue.Arguments.Expires);

        clock.Advance(TimeSpan.FromMilliseconds(9_000));
        Assert.Same(queue, Assert.Single(host.Expired));
    }

    [Fact]
    public void A_removed_expiry_keeps_the_queue()
    {
        var (queue, clock, host) = Queue(expires: 1_000);
        queue.ChangeExpires(null);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.Empty(host.Expired);
        Assert.False(queue.Definition.Arguments.ContainsKey("x-expires"));
    }

    private sealed class ExpiryHost : IQueueHost
    {
        public List<IQueue> Expired { get; } = [];

        public void PublishDeadLetter(Message letter, IQueue from, DeathReason reason)
        {
        }

        public void DeleteExpired(IQueue queue) => Expired.Add(queue);
    }
}
