using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Queues;

public class QueueDeliveryTests
{
    private readonly ClassicQueue _queue = new("q", "/", new QueueDefinition(), exclusiveOwner: null);
    private readonly ClientSession _connection = TestSessions.New();

    private QueueConsumer Consume(RecordingSink sink, string tag = "c", bool autoSettle = false, bool exclusive = false)
    {
        var consumer = new QueueConsumer(tag, sink, autoSettle, exclusive, _connection);
        _queue.AddConsumer(consumer);
        return consumer;
    }

    private void Publish(params string[] bodies)
    {
        foreach (var body in bodies)
        {
            _queue.Enqueue(TestMessages.Create("q", body));
        }
    }

    [Fact]
    public void Delivers_messages_in_the_order_they_were_enqueued()
    {
        var sink = new RecordingSink();
        Consume(sink);

        Publish("1", "2", "3", "4", "5");

        Assert.Equal(["1", "2", "3", "4", "5"], sink.Bodies);
        Assert.All(sink.Delivered, m => Assert.False(m.Redelivered));
    }

    [Fact]
    public void Messages_enqueued_before_a_consumer_arrives_are_delivered_when_it_does()
    {
        Publish("1", "2");
        Assert.Equal(2, _queue.MessageCount);

        var sink = new RecordingSink();
        Consume(sink);

        Assert.Equal(["1", "2"], sink.Bodies);
        Assert.Equal(0, _queue.MessageCount);
    }

    [Fact]
    public void Consumers_take_turns()
    {
        var first = new RecordingSink();
        var second = new RecordingSink();
        var third = new RecordingSink();
        Consume(first, "c1");
        Consume(second, "c2");
        Consume(third, "c3");

        Publish("1", "2", "3", "4", "5", "6", "7");

        Assert.Equal(["1", "4", "7"], first.Bodies);
        Assert.Equal(["2", "5"], second.Bodies);
        Assert.Equal(["3", "6"], third.Bodies);
    }

    [Fact]
    public void A_consumer_without_credit_is_skipped_and_the_next_one_gets_the_message()
    {
        var refusing = new RecordingSink(credit: 0);
        var willing = new RecordingSink();
        Consume(refusing, "c1");
        Consume(willing, "c2");

        Publish("1", "2", "3");

        Assert.Empty(refusing.Delivered);
        Assert.Equal(["1", "2", "3"], willing.Bodies);
    }

    [Fact]
    public void Messages_wait_in_the_queue_until_a_consumer_has_credit_again()
    {
        var sink = new RecordingSink(credit: 2);
        Consume(sink);

        Publish("1", "2", "3", "4");
        Assert.Equal(["1", "2"], sink.Bodies);
        Assert.Equal(2, _queue.MessageCount);

        sink.Credit = 1;
        _queue.Dispatch();
        Assert.Equal(["1", "2", "3"], sink.Bodies);
        Assert.Equal(1, _queue.MessageCount);
    }

    [Fact]
    public void Requeued_messages_return_to_their_original_place_marked_redelivered()
    {
        var sink = new RecordingSink(credit: 5);
        Consume(sink);
        Publish("1", "2", "3", "4", "5", "6", "7");
        Assert.Equal(["1", "2", "3", "4", "5"], sink.Bodies);

        var byBody = sink.Delivered.ToDictionary(m => m.BodyText());
        _queue.Requeue([byBody["4"], byBody["2"]]);
        Assert.Equal(4, _queue.MessageCount);
        Assert.Equal(3, _queue.UnsettledCount);

        sink.Delivered.Clear();
        sink.Credit = 10;
        _queue.Dispatch();

        Assert.Equal(["2", "4", "6", "7"], sink.Bodies);
        Assert.Equal([true, true, false, false], sink.Delivered.Select(m => m.Redelivered));
        Assert.Equal([2, 2, 1, 1], sink.Delivered.Select(m => m.DeliveryCount));
    }

    [Fact]
    public void A_requeued_message_is_offered_again_at_once_to_a_consumer_with_credit()
    {
        var sink = new RecordingSink();
        Consume(sink);
        Publish("1", "2");

        _queue.Requeue([sink.Delivered[0]]);

        Assert.Equal(["1", "2", "1"], sink.Bodies);
        Assert.True(sink.Delivered[2].Redelivered);
    }

    [Fact]
    public void Counts_follow_messages_from_ready_to_unsettled_to_settled()
    {
        var sink = new RecordingSink(credit: 2);
        Publish("1", "2", "3");
        Assert.Equal(3, _queue.MessageCount);
        Assert.Equal(0, _queue.UnsettledCount);
        Assert.Equal(0, _queue.ConsumerCount);

        Consume(sink);
        Assert.Equal(1, _queue.ConsumerCount);
        Assert.Equal(1, _queue.MessageCount);
        Assert.Equal(2, _queue.UnsettledCount);

        _queue.Settle(sink.Delivered[0]);
        Assert.Equal(1, _queue.UnsettledCount);
        Assert.Equal(1, _queue.MessageCount);
    }

    [Fact]
    public void Auto_settled_deliveries_are_not_counted_as_unsettled()
    {
        var sink = new RecordingSink();
        Consume(sink, autoSettle: true);

        Publish("1", "2");

        Assert.Equal(2, sink.Delivered.Count);
        Assert.Equal(0, _queue.UnsettledCount);
        Assert.Equal(0, _queue.MessageCount);
    }

    [Fact]
    public void TryGet_takes_the_head_and_reports_how_many_are_left()
    {
        Publish("1", "2", "3");

        var left = _queue.TryGet(autoSettle: false, out var message);

        Assert.NotNull(message);
        Assert.Equal("1", message.BodyText());
        Assert.Equal(2, left);
        Assert.Equal(1, _queue.UnsettledCount);
        Assert.Equal(1, message.DeliveryCount);

        _queue.TryGet(autoSettle: true, out var second);
        Assert.Equal("2", second!.BodyText());
        Assert.Equal(1, _queue.UnsettledCount);
    }

    [Fact]
    public void TryGet_on_an_empty_queue_returns_nothing()
    {
        Assert.Equal(0, _queue.TryGet(autoSettle: false, out var message));
        Assert.Null(message);
        Assert.Equal(0, _queue.UnsettledCount);
    }

    [Fact]
    public void A_message_got_and_requeued_comes_back_first_and_redelivered()
    {
        Publish("1", "2");
        _queue.TryGet(autoSettle: false, out var message);

        _queue.Requeue([message!]);
        _queue.TryGet(autoSettle: false, out var again);

        Assert.Same(message, again);
        Assert.True(again!.Redelivered);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public void Purge_removes_ready_messages_and_leaves_unsettled_ones()
    {
        var sink = new RecordingSink(credit: 2);
        Consume(sink);
        Publish("1", "2", "3", "4", "5");

        Assert.Equal(3, _queue.Purge());

        Assert.Equal(0, _queue.MessageCount);
        Assert.Equal(2, _queue.UnsettledCount);

        // The unsettled ones are still the queue's: requeued, they are delivered again.
        _queue.Requeue([.. sink.Delivered]);
        Assert.Equal(2, _queue.MessageCount);
    }

    [Fact]
    public void Delete_cancels_every_consumer_and_drops_ready_messages()
    {
        var first = new RecordingSink(credit: 0);
        var second = new RecordingSink(credit: 0);
        Consume(first, "c1");
        Consume(second, "c2");
        Publish("1", "2");

        Assert.Equal(2, _queue.Delete());

        Assert.Equal(1, first.Cancellations);
        Assert.Equal(1, second.Cancellations);
        Assert.True(_queue.IsDeleted);
        Assert.Equal(0, _queue.ConsumerCount);
        Assert.Equal(0, _queue.MessageCount);
    }

    [Fact]
    public void A_deleted_queue_ignores_new_messages_and_refuses_consumers()
    {
        _queue.Delete();

        Publish("1");
        Assert.Equal(0, _queue.MessageCount);

        var error = Assert.Throws<BrokerException>(() => Consume(new RecordingSink()));
        Assert.Equal(BrokerError.NotFound, error.Error);
        Assert.Equal(0, _queue.Delete());
    }

    [Fact]
    public void A_removed_consumer_gets_no_more_deliveries()
    {
        var leaving = new RecordingSink();
        var staying = new RecordingSink();
        var consumer = Consume(leaving, "c1");
        Consume(staying, "c2");

        Assert.False(_queue.RemoveConsumer(consumer));
        Publish("1", "2");

        Assert.Empty(leaving.Delivered);
        Assert.Equal(["1", "2"], staying.Bodies);
        Assert.Equal(0, leaving.Cancellations);
    }

    [Fact]
    public void An_exclusive_consumer_refuses_others_and_is_refused_when_others_exist()
    {
        var exclusive = Consume(new RecordingSink(), "exclusive", exclusive: true);

        var second = Assert.Throws<BrokerException>(() => Consume(new RecordingSink(), "second"));
        Assert.Equal(BrokerError.AccessRefused, second.Error);
        Assert.Equal("queue 'q' in vhost '/' in exclusive use", second.Message);

        _queue.RemoveConsumer(exclusive);
        Consume(new RecordingSink(), "shared");

        var late = Assert.Throws<BrokerException>(() => Consume(new RecordingSink(), "late", exclusive: true));
        Assert.Equal(BrokerError.AccessRefused, late.Error);
        Assert.Equal(1, _queue.ConsumerCount);
    }

    [Fact]
    public void Removing_the_last_consumer_of_an_auto_delete_queue_says_so()
    {
        var queue = new ClassicQueue("auto", "/", new QueueDefinition { AutoDelete = true }, exclusiveOwner: null);
        var first = new QueueConsumer("c1", new RecordingSink(), false, false, _connection);
        var second = new QueueConsumer("c2", new RecordingSink(), false, false, _connection);
        queue.AddConsumer(first);
        queue.AddConsumer(second);

        Assert.False(queue.RemoveConsumer(first));
        Assert.True(queue.RemoveConsumer(second));
        Assert.False(queue.RemoveConsumer(second));
    }
}
