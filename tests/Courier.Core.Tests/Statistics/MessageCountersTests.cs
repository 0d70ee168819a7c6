using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Statistics;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.Statistics;

/// <summary>The message counts kept on the message path: per queue, exchange, vhost and node, by protocol.</summary>
public class MessageCountersTests
{
    private readonly VirtualHost _vhost = new("/");
    private readonly ClientSession _amqpClient = new("amqp", "/", "guest", remoteEndPoint: null, new TestSessions());
    private readonly RoutingResult _result = new();

    private IQueue DeclareQueue(string name) => _vhost.DeclareQueue(name, new QueueDefinition(), passive: false, _amqpClient).Queue;

    private void Publish(string exchange, string routingKey, PublishingProtocol by = PublishingProtocol.Amqp091) =>
        _vhost.Publish(_vhost.GetExchange(exchange), new Message(exchange, routingKey, MessageProperties.Empty, "m"u8.ToArray(), new MessageAnnotations { PublishedBy = by }), _result);

    [Fact]
    public void Striped_counters_sum_what_every_thread_added()
    {
        var counters = new StripedCounters(3);
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counters.Increment(1);
            }

            counters.Add(2, 5);
        });

        Assert.Equal(0, counters.Read(0));
        Assert.Equal(80_000, counters.Read(1));
        Assert.Equal(40, counters.Read(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => counters.Read(3));
    }

    [Fact]
    public void A_publish_counts_in_the_vhost_the_exchange_and_each_queue_it_reaches()
    {
        var a = DeclareQueue("a");
        var b = DeclareQueue("b");
        _vhost.BindQueue("a", "amq.fanout", string.Empty, null, _amqpClient);
        _vhost.BindQueue("b", "amq.fanout", string.Empty, null, _amqpClient);

        Publish("amq.fanout", string.Empty);
        Publish("amq.fanout", string.Empty, PublishingProtocol.Mqtt);
        Publish(string.Empty, "nowhere");

        var fanout = _vhost.GetExchange("amq.fanout").Counters.Read();
        Assert.Equal((2, 2), (fanout.PublishIn, fanout.PublishOut));
        var defaultExchange = _vhost.GetExchange(string.Empty).Counters.Read();
        Assert.Equal((1, 0), (defaultExchange.PublishIn, defaultExchange.PublishOut));
        Assert.Equal(2, a.Counters.Published);
        Assert.Equal(2, b.Counters.Published);

        var amqp = _vhost.Publishes.Read(PublishingProtocol.Amqp091);
        Assert.Equal((2, 1, 1), (amqp.Publish, amqp.Routed, amqp.DropUnroutable));
        var mqtt = _vhost.Publishes.Read(PublishingProtocol.Mqtt);
        Assert.Equal((1, 1, 0), (mqtt.Publish, mqtt.Routed, mqtt.DropUnroutable));
        Assert.Equal(3, _vhost.ReadMessageStats().Publish);
    }

    [Fact]
    public void A_returned_unroutable_message_is_not_also_counted_as_dropped()
    {
        Publish(string.Empty, "nowhere");
        Publish(string.Empty, "nowhere");
        _vhost.Publishes.OnReturned(PublishingProtocol.Amqp091);
        _vhost.Publishes.OnConfirmExpected(PublishingProtocol.Amqp091);
        _vhost.Publishes.OnConfirmed(PublishingProtocol.Amqp091, 1);

        var stats = _vhost.ReadMessageStats();
        Assert.Equal((1, 1, 1, 1), (stats.ReturnUnroutable, stats.DropUnroutable, stats.PublishConfirm, stats.Confirm));
    }

    [Fact]
    public void Deliveries_gets_acks_and_redeliveries_count_per_queue_and_by_the_consumers_protocol()
    {
        var queue = DeclareQueue("q");
        for (var i = 0; i < 4; i++)
        {
            Publish(string.Empty, "q");
        }

        queue.TryGet(autoSettle: true, PublishingProtocol.Amqp091, out _);
        queue.TryGet(autoSettle: false, PublishingProtocol.Amqp091, out var got);
        queue.Settle(got!);
        var sink = new RecordingSink();
        queue.AddConsumer(new QueueConsumer("c", sink, autoSettle: false, exclusive: false, _amqpClient));
        Assert.Equal(2, sink.Delivered.Count);
        queue.Requeue([sink.Delivered[0]]);
        Assert.Equal(3, sink.Delivered.Count);
        queue.Settle(sink.Delivered[1]);
        queue.Settle(sink.Delivered[2]);
        queue.TryGet(autoSettle: true, PublishingProtocol.Amqp091, out var none);
        Assert.Null(none);

        var stats = queue.Counters.Read();
        Assert.Equal(4, stats.Publish);
        Assert.Equal((1, 1, 3, 0), (stats.GetNoAck, stats.Get, stats.Deliver, stats.DeliverNoAck));
        Assert.Equal((1, 3, 1), (stats.Redeliver, stats.Ack, stats.GetEmpty));
        Assert.Equal(5, stats.DeliverGet);

        var byProtocol = _vhost.ReadMessageStatsByProtocol();
        Assert.Equal(5, byProtocol[(int)PublishingProtocol.Amqp091].DeliverGet);
        Assert.Equal(0, byProtocol[(int)PublishingProtocol.Mqtt].DeliverGet);
    }

    [Fact]
    public void A_deleted_queue_leaves_its_deliveries_in_the_vhost_and_a_deleted_vhost_in_the_node()
    {
        var broker = new Broker(new BrokerOptions());
        var vhost = broker.AddVirtualHost("v");
        var queue = vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _amqpClient).Queue;
        vhost.Publish(vhost.GetExchange(string.Empty), new Message(string.Empty, "q", MessageProperties.Empty, "m"u8.ToArray(), new MessageAnnotations { PublishedBy = PublishingProtocol.Stomp }), _result);
        queue.TryGet(autoSettle: true, PublishingProtocol.Stomp, out _);

        vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _amqpClient);
        Assert.Equal(1, vhost.ReadMessageStats().GetNoAck);

        var before = broker.ReadMessageStats();
        broker.DeleteVirtualHost("v");
        var after = broker.ReadMessageStatsByProtocol()[(int)PublishingProtocol.Stomp];
        Assert.Equal((1, 1), (after.Publish, after.GetNoAck));
        Assert.Equal(before, broker.ReadMessageStats());
    }
}
