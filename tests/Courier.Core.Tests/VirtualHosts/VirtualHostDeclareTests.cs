using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.VirtualHosts;

public class VirtualHostDeclareTests
{
    private readonly VirtualHost _vhost = new("/");
    private readonly ClientSession _connection = TestSessions.New();

    private static ExchangeDefinition Direct(bool durable = false, bool autoDelete = false, IReadOnlyDictionary<string, object?>? arguments = null) =>
        new() { Type = ExchangeTypes.Direct, Durable = durable, AutoDelete = autoDelete, Arguments = arguments ?? new Dictionary<string, object?>() };

    private static BrokerException Refused(BrokerError expected, Action action)
    {
        var error = Assert.Throws<BrokerException>(action);
        Assert.Equal(expected, error.Error);
        return error;
    }

    [Theory]
    [InlineData("amq.direct", ExchangeTypes.Direct)]
    [InlineData("amq.fanout", ExchangeTypes.Fanout)]
    [InlineData("amq.topic", ExchangeTypes.Topic)]
    [InlineData("amq.headers", ExchangeTypes.Headers)]
    [InlineData("amq.match", ExchangeTypes.Headers)]
    [InlineData("", ExchangeTypes.Direct)]
    public void A_new_vhost_has_the_standard_exchanges(string name, string type)
    {
        Assert.True(_vhost.TryGetExchange(name, out var exchange));
        Assert.Equal(type, exchange.Type);
        Assert.True(exchange.Durable);
    }

    [Fact]
    public void Redeclaring_an_exchange_the_same_way_returns_the_same_exchange()
    {
        var first = _vhost.DeclareExchange("x", Direct(durable: true), passive: false);
        var second = _vhost.DeclareExchange("x", Direct(durable: true), passive: false);

        Assert.Same(first, second);
    }

    [Fact]
    public void Redeclaring_a_standard_exchange_as_it_is_is_allowed()
    {
        var exchange = _vhost.DeclareExchange("amq.topic", new ExchangeDefinition { Type = ExchangeTypes.Topic, Durable = true }, passive: false);

        Assert.Equal("amq.topic", exchange.Name);
    }

    [Fact]
    public void Redeclaring_an_exchange_with_another_type_fails_with_RabbitMQs_wording()
    {
        _vhost.DeclareExchange("x", Direct(), passive: false);

        var error = Refused(BrokerError.PreconditionFailed,
            () => _vhost.DeclareExchange("x", new ExchangeDefinition { Type = ExchangeTypes.Fanout }, passive: false));

        Assert.Equal("inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but current is 'direct'", error.Message);
    }

    [Fact]
    public void Redeclaring_an_exchange_with_another_durability_fails()
    {
        _vhost.DeclareExchange("x", Direct(durable: true), passive: false);

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeclareExchange("x", Direct(durable: false), passive: false));

        Assert.Equal("inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'false' but current is 'true'", error.Message);
    }

    [Fact]
    public void Redeclaring_an_exchange_with_another_auto_delete_fails()
    {
        _vhost.DeclareExchange("x", Direct(autoDelete: false), passive: false);

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeclareExchange("x", Direct(autoDelete: true), passive: false));

        Assert.Equal("inequivalent arg 'auto_delete' for exchange 'x' in vhost '/': received 'true' but current is 'false'", error.Message);
    }

    [Fact]
    public void Redeclaring_an_exchange_with_another_alternate_exchange_fails()
    {
        _vhost.DeclareExchange("x", Direct(arguments: new Dictionary<string, object?> { ["alternate-exchange"] = "ae1" }), passive: false);

        var error = Refused(BrokerError.PreconditionFailed,
            () => _vhost.DeclareExchange("x", Direct(arguments: new Dictionary<string, object?> { ["alternate-exchange"] = "ae2" }), passive: false));

        Assert.Equal(
            "inequivalent arg 'alternate-exchange' for exchange 'x' in vhost '/': received the value 'ae2' of type 'longstr' but current is the value 'ae1' of type 'longstr'",
            error.Message);
    }

    [Fact]
    public void An_unknown_exchange_type_is_refused_as_a_precondition_failure()
    {
        // A channel error, as RabbitMQ since 3.12.x (main's 8900370), not a connection error.
        var error = Refused(BrokerError.PreconditionFailed,
            () => _vhost.DeclareExchange("x", new ExchangeDefinition { Type = "x-unknown" }, passive: false));

        Assert.Contains("x-unknown", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Declaring_an_exchange_with_the_reserved_prefix_is_refused()
    {
        var error = Refused(BrokerError.AccessRefused, () => _vhost.DeclareExchange("amq.custom", Direct(), passive: false));

        Assert.Equal("exchange name 'amq.custom' contains reserved prefix 'amq.*'", error.Message);
        Assert.False(_vhost.TryGetExchange("amq.custom", out _));
    }

    [Fact]
    public void Passive_declare_of_a_missing_exchange_is_not_found()
    {
        var error = Refused(BrokerError.NotFound, () => _vhost.DeclareExchange("missing", Direct(), passive: true));

        Assert.Equal("no exchange 'missing' in vhost '/'", error.Message);
    }

    [Fact]
    public void Passive_declare_finds_an_exchange_whatever_shape_is_asked()
    {
        var declared = _vhost.DeclareExchange("x", Direct(durable: true), passive: false);

        Assert.Same(declared, _vhost.DeclareExchange("x", new ExchangeDefinition { Type = ExchangeTypes.Fanout }, passive: true));
    }

    [Fact]
    public void Declaring_a_queue_reports_its_counts()
    {
        var created = _vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _connection);
        created.Queue.Enqueue(Support.TestMessages.Create("q"));

        var again = _vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _connection);

        Assert.Same(created.Queue, again.Queue);
        Assert.Equal(1, again.MessageCount);
        Assert.Equal(0, again.ConsumerCount);
    }

    [Fact]
    public void Redeclaring_a_queue_with_another_durability_fails_with_RabbitMQs_wording()
    {
        _vhost.DeclareQueue("q", new QueueDefinition { Durable = true }, passive: false, _connection);

        var error = Refused(BrokerError.PreconditionFailed,
            () => _vhost.DeclareQueue("q", new QueueDefinition { Durable = false }, passive: false, _connection));

        Assert.Equal("inequivalent arg 'durable' for queue 'q' in vhost '/': received 'false' but current is 'true'", error.Message);
    }

    [Fact]
    public void Redeclaring_a_queue_with_another_auto_delete_fails()
    {
        _vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _connection);

        var error = Refused(BrokerError.PreconditionFailed,
            () => _vhost.DeclareQueue("q", new QueueDefinition { AutoDelete = true }, passive: false, _connection));

        Assert.Equal("inequivalent arg 'auto_delete' for queue 'q' in vhost '/': received 'true' but current is 'false'", error.Message);
    }

    [Fact]
    public void Redeclaring_a_queue_with_a_new_argument_fails_with_RabbitMQs_wording()
    {
        _vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _connection);

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeclareQueue(
            "q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-max-length"] = 10L } }, passive: false, _connection));

        Assert.Equal("inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received the value '10' of type 'long' but current is none", error.Message);
    }

    [Fact]
    public void Redeclaring_a_queue_without_its_argument_fails()
    {
        _vhost.DeclareQueue("q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-max-length"] = 10 } }, passive: false, _connection);

        var error = Refused(BrokerError.PreconditionFailed, () => _vhost.DeclareQueue("q", new QueueDefinition(), passive: false, _connection));

        Assert.Equal("inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received none but current is the value '10' of type 'signedint'", error.Message);
    }

    [Fact]
    public void Redeclaring_a_queue_with_another_argument_value_fails()
    {
        _vhost.DeclareQueue("q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-max-length"] = 10 } }, passive: false, _connection);

        Refused(BrokerError.PreconditionFailed, () => _vhost.DeclareQueue(
            "q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-max-length"] = 11 } }, passive: false, _connection));
    }

    [Fact]
    public void An_integer_argument_sent_with_another_width_is_equivalent_as_in_RabbitMQ()
    {
        var first = _vhost.DeclareQueue(
            "q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-message-ttl"] = 60000 } }, passive: false, _connection);

        var second = _vhost.DeclareQueue(
            "q", new QueueDefinition { Arguments = new Dictionary<string, object?> { ["x-message-ttl"] = 60000L } }, passive: false, _connection);

        Assert.Same(first.Queue, second.Queue);
    }

    [Fact]
    public void Declaring_a_queue_with_the_reserved_prefix_is_refused()
    {
        var error = Refused(BrokerError.AccessRefused, () => _vhost.DeclareQueue("amq.mine", new QueueDefinition(), passive: false, _connection));

        Assert.Equal("queue name 'amq.mine' contains reserved prefix 'amq.*'", error.Message);
    }

    [Fact]
    public void Passive_declare_of_a_missing_queue_is_not_found()
    {
        var error = Refused(BrokerError.NotFound, () => _vhost.DeclareQueue("missing", new QueueDefinition(), passive: true, _connection));

        Assert.Equal("no queue 'missing' in vhost '/'", error.Message);
    }

    [Fact]
    public void A_queue_declared_without_a_name_gets_a_fresh_server_name()
    {
        var first = _vhost.DeclareQueue(string.Empty, new QueueDefinition(), passive: false, _connection).Queue;
        var second = _vhost.DeclareQueue(string.Empty, new QueueDefinition(), passive: false, _connection).Queue;

        Assert.StartsWith("amq.gen-", first.Name, StringComparison.Ordinal);
        Assert.StartsWith("amq.gen-", second.Name, StringComparison.Ordinal);
        Assert.NotEqual(first.Name, second.Name);
        Assert.True(_vhost.TryGetQueue(first.Name, out var found));
        Assert.Same(first, found);
    }

    [Fact]
    public void An_exclusive_queue_is_locked_to_the_connection_that_declared_it()
    {
        var other = TestSessions.New();
        _vhost.DeclareQueue("mine", new QueueDefinition { Exclusive = true }, passive: false, _connection);

        var redeclare = Refused(BrokerError.ResourceLocked,
            () => _vhost.DeclareQueue("mine", new QueueDefinition { Exclusive = true }, passive: false, other));
        Refused(BrokerError.ResourceLocked, () => _vhost.DeclareQueue("mine", new QueueDefinition(), passive: true, other));
        Refused(BrokerError.ResourceLocked, () => _vhost.GetQueue("mine", other));
        Refused(BrokerError.ResourceLocked, () => _vhost.PurgeQueue("mine", other));
        Refused(BrokerError.ResourceLocked, () => _vhost.BindQueue("mine", "amq.direct", "k", null, other));
        Refused(BrokerError.ResourceLocked, () => _vhost.DeleteQueue("mine", ifUnused: false, ifEmpty: false, other));

        Assert.StartsWith("cannot obtain exclusive access to locked queue 'mine' in vhost '/'", redeclare.Message, StringComparison.Ordinal);
        Assert.Same(_vhost.GetQueue("mine", _connection), _vhost.DeclareQueue("mine", new QueueDefinition { Exclusive = true }, passive: false, _connection).Queue);
    }
}
