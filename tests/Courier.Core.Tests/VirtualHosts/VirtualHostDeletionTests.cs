using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.VirtualHosts;

public class VirtualHostDeletionTests
{
    private readonly VirtualHost _vhost = new("/");
    private readonly ClientSession _connection = TestSessions.New();

    private IQueue DeclareQueue(string name, bool autoDelete = false, bool exclusive = false, ClientSession? owner = null) =>
        _vhost.DeclareQueue(name, new QueueDefinition { AutoDelete = autoDelete, Exclusive = exclusive }, passive: false, owner ?? _connection).Queue;

    private Exchange DeclareExchange(string name, string type = ExchangeTypes.Direct, bool autoDelete = false) =>
        _vhost.DeclareExchange(name, new ExchangeDefinition { Type = type, AutoDelete = autoDelete }, passive: false);

    private QueueConsumer Consume(IQueue queue, string tag)
    {
        var consumer = new QueueConsumer(tag, new RecordingSink(), autoSettle: false, exclusive: false, _connection);
        queue.AddConsumer(consumer);
        return consumer;
    }

    private static BrokerException Refused(BrokerError expected, Action action)
    {
        var error = Assert.Throws<BrokerException>(action);
        Assert.Equal(expected, error.Error);
        return error;
    }

    [Fact]
    public void Deleting_a_queue_returns_its_ready_messages_and_removes_it()
    {
        var queue = DeclareQueue("q");
        queue.Enqueue(TestMessages.Create("q"));
        queue.Enqueue(TestMessages.Create("q"));

        Assert.Equal(2, _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection));

        Assert.False(_vhost.TryGetQueue("q", out _));
        Assert.True(queue.IsDeleted);
        Refused(BrokerError.NotFound, () => _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection));
    }

    [Fact]
    public void Delete_if_unused_refuses_a_queue_with_consumers()
    {
        var queue = DeclareQueue("q");
        Consume(queue, "c");

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeleteQueue("q", ifUnused: true, ifEmpty: false, _connection));

        Assert.Equal("queue 'q' in vhost '/' in use", error.Message);
        Assert.True(_vhost.TryGetQueue("q", out _));
    }

    [Fact]
    public void Delete_if_empty_refuses_a_queue_with_messages()
    {
        var queue = DeclareQueue("q");
        queue.Enqueue(TestMessages.Create("q"));

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: true, _connection));

        Assert.Equal("queue 'q' in vhost '/' is not empty", error.Message);
        Assert.True(_vhost.TryGetQueue("q", out _));
    }

    [Fact]
    public void Delete_if_unused_and_if_empty_delete_an_idle_empty_queue()
    {
        DeclareQueue("q");

        Assert.Equal(0, _vhost.DeleteQueue("q", ifUnused: true, ifEmpty: true, _connection));
        Assert.False(_vhost.TryGetQueue("q", out _));
    }

    [Fact]
    public void Deleting_a_queue_removes_its_bindings()
    {
        var queue = DeclareQueue("q");
        var other = DeclareQueue("other");
        _vhost.BindQueue("q", "amq.direct", "k", null, _connection);
        _vhost.BindQueue("q", "amq.topic", "#", null, _connection);
        _vhost.BindQueue("other", "amq.direct", "k", null, _connection);

        _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection);

        Assert.DoesNotContain(_vhost.GetBindings(), b => ReferenceEquals(b.Destination, queue));
        Assert.Equal(0, _vhost.GetExchange("amq.topic").BindingCount);
        Assert.Equal([other], _vhost.GetExchange("amq.direct").GetBindings().Select(b => b.Destination));
    }

    [Fact]
    public void A_queue_redeclared_after_deletion_starts_without_the_old_bindings()
    {
        DeclareQueue("q");
        _vhost.BindQueue("q", "amq.direct", "k", null, _connection);
        _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection);

        var fresh = DeclareQueue("q");
        var result = new RoutingResult();
        _vhost.Route(_vhost.GetExchange("amq.direct"), TestMessages.Create("k"), result);

        Assert.Empty(result.Queues);
        Assert.Equal(0, fresh.MessageCount);
    }

    [Fact]
    public void An_auto_delete_queue_is_deleted_when_its_last_consumer_is_removed()
    {
        var queue = DeclareQueue("auto", autoDelete: true);
        _vhost.BindQueue("auto", "amq.direct", "k", null, _connection);
        var first = Consume(queue, "c1");
        var second = Consume(queue, "c2");

        _vhost.RemoveConsumer(queue, first);
        Assert.True(_vhost.TryGetQueue("auto", out _));

        _vhost.RemoveConsumer(queue, second);
        Assert.False(_vhost.TryGetQueue("auto", out _));
        Assert.True(queue.IsDeleted);
        Assert.Equal(0, _vhost.GetExchange("amq.direct").BindingCount);
    }

    [Fact]
    public void An_auto_delete_queue_that_never_had_a_consumer_stays()
    {
        var queue = DeclareQueue("auto", autoDelete: true);

        _vhost.RemoveConsumer(queue, new QueueConsumer("never", new RecordingSink(), false, false, _connection));

        Assert.True(_vhost.TryGetQueue("auto", out _));
    }

    [Fact]
    public void A_queue_that_is_not_auto_delete_outlives_its_consumers()
    {
        var queue = DeclareQueue("q");
        var consumer = Consume(queue, "c");

        _vhost.RemoveConsumer(queue, consumer);

        Assert.True(_vhost.TryGetQueue("q", out _));
        Assert.False(queue.IsDeleted);
    }

    [Fact]
    public void An_auto_delete_exchange_is_deleted_when_its_last_binding_is_removed()
    {
        DeclareExchange("auto", autoDelete: true);
        DeclareQueue("q1");
        DeclareQueue("q2");
        _vhost.BindQueue("q1", "auto", "k", null, _connection);
        _vhost.BindQueue("q2", "auto", "k", null, _connection);

        _vhost.UnbindQueue("q1", "auto", "k", null, _connection);
        Assert.True(_vhost.TryGetExchange("auto", out _));

        _vhost.UnbindQueue("q2", "auto", "k", null, _connection);
        Assert.False(_vhost.TryGetExchange("auto", out _));
    }

    [Fact]
    public void An_auto_delete_exchange_is_deleted_when_its_last_bound_queue_is_deleted()
    {
        DeclareExchange("auto", autoDelete: true);
        DeclareQueue("q");
        _vhost.BindQueue("q", "auto", "k", null, _connection);

        _vhost.DeleteQueue("q", ifUnused: false, ifEmpty: false, _connection);

        Assert.False(_vhost.TryGetExchange("auto", out _));
    }

    [Fact]
    public void An_auto_delete_exchange_that_never_had_a_binding_stays()
    {
        DeclareExchange("auto", autoDelete: true);

        Assert.True(_vhost.TryGetExchange("auto", out _));
    }

    [Fact]
    public void Deleting_an_exchange_removes_its_bindings_both_ways()
    {
        DeclareExchange("upstream", ExchangeTypes.Fanout);
        DeclareExchange("middle", ExchangeTypes.Fanout);
        DeclareQueue("q");
        _vhost.BindExchange("middle", "upstream", string.Empty, null);
        _vhost.BindQueue("q", "middle", string.Empty, null, _connection);

        _vhost.DeleteExchange("middle", ifUnused: false);

        Assert.False(_vhost.TryGetExchange("middle", out _));
        Assert.Equal(0, _vhost.GetExchange("upstream").BindingCount);
        Assert.Empty(_vhost.GetBindings());
    }

    [Fact]
    public void Delete_exchange_if_unused_refuses_an_exchange_with_bindings()
    {
        DeclareExchange("x");
        DeclareQueue("q");
        _vhost.BindQueue("q", "x", "k", null, _connection);

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeleteExchange("x", ifUnused: true));

        Assert.Equal("exchange 'x' in vhost '/' in use", error.Message);
    }

    [Fact]
    public void Standard_and_default_exchanges_cannot_be_deleted_and_missing_ones_are_not_found()
    {
        Refused(BrokerError.AccessRefused, () => _vhost.DeleteExchange("amq.direct", ifUnused: false));
        Refused(BrokerError.AccessRefused, () => _vhost.DeleteExchange(string.Empty, ifUnused: false));
        Refused(BrokerError.NotFound, () => _vhost.DeleteExchange("missing", ifUnused: false));
    }

    [Fact]
    public void Binding_to_or_from_the_default_exchange_is_refused()
    {
        DeclareQueue("q");
        DeclareExchange("x");

        var error = Refused(BrokerError.AccessRefused, () => _vhost.BindQueue("q", string.Empty, "q", null, _connection));
        Refused(BrokerError.AccessRefused, () => _vhost.UnbindQueue("q", string.Empty, "q", null, _connection));
        Refused(BrokerError.AccessRefused, () => _vhost.BindExchange("x", string.Empty, "k", null));
        Refused(BrokerError.AccessRefused, () => _vhost.BindExchange(string.Empty, "x", "k", null));

        Assert.Equal("operation not permitted on the default exchange", error.Message);
    }

    [Fact]
    public void Binding_with_a_missing_queue_or_exchange_is_not_found()
    {
        DeclareQueue("q");

        Refused(BrokerError.NotFound, () => _vhost.BindQueue("missing", "amq.direct", "k", null, _connection));
        Refused(BrokerError.NotFound, () => _vhost.BindQueue("q", "missing", "k", null, _connection));
    }

    [Fact]
    public void Releasing_a_connection_deletes_its_exclusive_queues_only()
    {
        var other = TestSessions.New();
        var mine = DeclareQueue("mine", exclusive: true);
        var theirs = DeclareQueue("theirs", exclusive: true, owner: other);
        var shared = DeclareQueue("shared");
        var sink = new RecordingSink();
        mine.AddConsumer(new QueueConsumer("c", sink, false, false, _connection));
        _vhost.BindQueue("mine", "amq.fanout", string.Empty, null, _connection);

        _vhost.ReleaseOwner(_connection);

        Assert.False(_vhost.TryGetQueue("mine", out _));
        Assert.True(mine.IsDeleted);
        Assert.Equal(1, sink.Cancellations);
        Assert.Equal(0, _vhost.GetExchange("amq.fanout").BindingCount);
        Assert.True(_vhost.TryGetQueue("theirs", out _));
        Assert.True(_vhost.TryGetQueue("shared", out _));
        Assert.False(theirs.IsDeleted);
        Assert.False(shared.IsDeleted);
    }
}
