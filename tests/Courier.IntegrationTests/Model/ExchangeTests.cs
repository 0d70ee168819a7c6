using Courier.Core.Exchanges;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using static Courier.IntegrationTests.Model.Fields;

namespace Courier.IntegrationTests.Model;

/// <summary>Exchange types, the predeclared exchanges, and exchange declare, bind and delete, as RabbitMQ does them.</summary>
public sealed class ExchangeTests
{
    [Fact]
    public async Task Direct_exchange_routes_to_queues_bound_with_exactly_the_routing_key()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("orders", ExchangeType.Direct);
        var created = await channel.DeclareBoundQueueAsync("orders", "created");
        var alsoCreated = await channel.DeclareBoundQueueAsync("orders", "created");
        var shipped = await channel.DeclareBoundQueueAsync("orders", "shipped");
        string[] all = [created, alsoCreated, shipped];

        Assert.Equal(new[] { created, alsoCreated }, await channel.QueuesReachedAsync("orders", "created", all));
        Assert.Equal(new[] { shipped }, await channel.QueuesReachedAsync("orders", "shipped", all));
        Assert.Empty(await channel.QueuesReachedAsync("orders", "Created", all));
        Assert.Empty(await channel.QueuesReachedAsync("orders", "created.eu", all));
    }

    [Fact]
    public async Task Fanout_exchange_routes_to_every_bound_queue_whatever_the_routing_key()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("news", ExchangeType.Fanout);
        var first = await channel.DeclareBoundQueueAsync("news", "ignored");
        var second = await channel.DeclareBoundQueueAsync("news", string.Empty);
        var unbound = await channel.DeclareQueueAsync();

        Assert.Equal(new[] { first, second }, await channel.QueuesReachedAsync("news", "anything", [first, second, unbound]));
        Assert.Equal(new[] { first, second }, await channel.QueuesReachedAsync("news", string.Empty, [first, second, unbound]));
    }

    [Theory]
    [InlineData("stock.ibm.nyse", "stock.ibm.nyse", true)]
    [InlineData("stock.ibm.nyse", "stock.IBM.nyse", false)]
    [InlineData("stock.*.nyse", "stock.ibm.nyse", true)]
    [InlineData("stock.*.nyse", "stock.nyse", false)]
    [InlineData("stock.*.nyse", "stock.ibm.msft.nyse", false)]
    [InlineData("*", "stock", true)]
    [InlineData("*", "stock.ibm", false)]
    [InlineData("stock.#", "stock", true)]
    [InlineData("stock.#", "stock.ibm.nyse", true)]
    [InlineData("stock.#", "bonds.ibm", false)]
    [InlineData("#", "anything.at.all", true)]
    [InlineData("#.nyse", "nyse", true)]
    [InlineData("#.nyse", "stock.ibm.nyse", true)]
    [InlineData("#.nyse", "stock.nyse.ibm", false)]
    [InlineData("stock.#.nyse", "stock.nyse", true)]
    [InlineData("stock.#.nyse", "stock.a.b.c.nyse", true)]
    [InlineData("stock.*.#", "stock", false)]
    [InlineData("*.*.#", "stock.ibm", true)]
    public async Task Topic_exchange_matches_star_as_one_word_and_hash_as_zero_or_more(string bindingKey, string routingKey, bool routed)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("quotes", ExchangeType.Topic);
        var queue = await channel.DeclareBoundQueueAsync("quotes", bindingKey);

        var reached = await channel.QueuesReachedAsync("quotes", routingKey, [queue]);

        Assert.Equal(routed, reached.Length == 1);
    }

    [Fact]
    public async Task Topic_exchange_delivers_one_copy_to_a_queue_that_several_patterns_match()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("quotes", ExchangeType.Topic);
        var queue = await channel.DeclareBoundQueueAsync("quotes", "stock.*");
        await channel.QueueBindAsync(queue, "quotes", "#");
        await channel.QueueBindAsync(queue, "quotes", "stock.ibm");

        await channel.PublishTextAsync("quotes", "stock.ibm", "one copy");

        Assert.Equal(new[] { "one copy" }, await channel.DrainAsync(queue));
    }

    [Fact]
    public async Task Headers_exchange_with_x_match_all_needs_every_bound_header_to_match()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("documents", ExchangeType.Headers);
        var queue = await channel.DeclareBoundQueueAsync("documents", string.Empty, Table(("x-match", "all"), ("format", "pdf"), ("type", "report")));

        Assert.Single(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "pdf"), ("type", "report"))));
        Assert.Single(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "pdf"), ("type", "report"), ("pages", 3))));
        Assert.Empty(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "pdf"))));
        Assert.Empty(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "pdf"), ("type", "log"))));
        Assert.Empty(await channel.QueuesReachedAsync("documents", string.Empty, [queue]));
    }

    [Fact]
    public async Task Headers_exchange_with_x_match_any_needs_one_bound_header_to_match()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("documents", ExchangeType.Headers);
        var queue = await channel.DeclareBoundQueueAsync("documents", string.Empty, Table(("x-match", "any"), ("format", "pdf"), ("type", "report")));

        Assert.Single(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "pdf"))));
        Assert.Single(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "zip"), ("type", "report"))));
        Assert.Empty(await channel.QueuesReachedAsync("documents", string.Empty, [queue], Headers(("format", "zip"))));
        Assert.Empty(await channel.QueuesReachedAsync("documents", string.Empty, [queue]));
    }

    [Fact]
    public async Task Headers_exchange_compares_x_arguments_only_with_all_with_x_or_any_with_x()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("tenants", ExchangeType.Headers);
        var all = await channel.DeclareBoundQueueAsync("tenants", string.Empty, Table(("x-match", "all"), ("x-tenant", "t1")));
        var any = await channel.DeclareBoundQueueAsync("tenants", string.Empty, Table(("x-match", "any"), ("x-tenant", "t1")));
        var allWithX = await channel.DeclareBoundQueueAsync("tenants", string.Empty, Table(("x-match", "all-with-x"), ("x-tenant", "t1")));
        var anyWithX = await channel.DeclareBoundQueueAsync("tenants", string.Empty, Table(("x-match", "any-with-x"), ("x-tenant", "t1"), ("x-region", "eu")));
        string[] queues = [all, any, allWithX, anyWithX];

        // Plain all/any skip x- arguments: "all" has nothing left to fail, "any" nothing left to match.
        Assert.Equal(new[] { all }, await channel.QueuesReachedAsync("tenants", string.Empty, queues, Headers(("x-tenant", "t2"))));
        Assert.Equal(new[] { all, allWithX, anyWithX }, await channel.QueuesReachedAsync("tenants", string.Empty, queues, Headers(("x-tenant", "t1"))));
        Assert.Equal(new[] { all, anyWithX }, await channel.QueuesReachedAsync("tenants", string.Empty, queues, Headers(("x-region", "eu"))));
    }

    [Fact]
    public async Task Headers_binding_argument_without_a_value_matches_on_presence()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("flags", ExchangeType.Headers);
        var queue = await channel.DeclareBoundQueueAsync("flags", string.Empty, Table(("x-match", "all"), ("urgent", null)));

        Assert.Single(await channel.QueuesReachedAsync("flags", string.Empty, [queue], Headers(("urgent", "yes"))));
        Assert.Single(await channel.QueuesReachedAsync("flags", string.Empty, [queue], Headers(("urgent", false))));
        Assert.Empty(await channel.QueuesReachedAsync("flags", string.Empty, [queue], Headers(("calm", "yes"))));
    }

    [Fact]
    public async Task Headers_exchange_compares_values_not_their_field_types()
    {
        // RabbitMQ compares header values with Erlang's ==: a 32-bit 1 ('I') equals a 64-bit 1 ('l').
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("versions", ExchangeType.Headers);
        var queue = await channel.DeclareBoundQueueAsync("versions", string.Empty, Table(("x-match", "all"), ("version", 1)));

        Assert.Single(await channel.QueuesReachedAsync("versions", string.Empty, [queue], Headers(("version", 1L))));
        Assert.Single(await channel.QueuesReachedAsync("versions", string.Empty, [queue], Headers(("version", (byte)1))));
        Assert.Empty(await channel.QueuesReachedAsync("versions", string.Empty, [queue], Headers(("version", 2L))));
    }

    [Fact]
    public async Task Default_exchange_routes_to_the_queue_named_by_the_routing_key()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var inbox = await channel.DeclareQueueAsync("inbox");
        var outbox = await channel.DeclareQueueAsync("outbox");

        Assert.Equal(new[] { inbox }, await channel.QueuesReachedAsync(string.Empty, "inbox", [inbox, outbox]));
        Assert.Empty(await channel.QueuesReachedAsync(string.Empty, "nowhere", [inbox, outbox]));
    }

    [Fact]
    public async Task Default_exchange_cannot_be_bound_to_declared_or_deleted()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var setup = await connection.CreateChannelAsync();
        var queue = await setup.DeclareQueueAsync("inbox");

        var bind = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, bind, () => bind.QueueBindAsync(queue, string.Empty, "inbox"));
        var declare = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, declare, () => declare.ExchangeDeclareAsync(string.Empty, ExchangeType.Direct, durable: true));
        var delete = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, delete, () => delete.ExchangeDeleteAsync(string.Empty));

        await setup.ExchangeDeclarePassiveAsync(string.Empty);
    }

    // RabbitMQ refuses any binding that involves the default exchange before it looks for the
    // other side, so a client hears 403 even when that side does not exist (not 404).
    [Theory]
    [InlineData("queue.bind")]
    [InlineData("queue.unbind")]
    [InlineData("exchange.bind to")]
    [InlineData("exchange.bind from")]
    [InlineData("exchange.unbind to")]
    [InlineData("exchange.unbind from")]
    public async Task A_binding_involving_the_default_exchange_is_refused_with_403_even_when_the_other_side_does_not_exist(string operation)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync();
        const string missing = "does-not-exist";

        Func<Task> refused = operation switch
        {
            "queue.bind" => () => channel.QueueBindAsync(missing, string.Empty, "key"),
            "queue.unbind" => () => channel.QueueUnbindAsync(missing, string.Empty, "key"),
            "exchange.bind to" => () => channel.ExchangeBindAsync(string.Empty, missing, "key"),
            "exchange.bind from" => () => channel.ExchangeBindAsync(missing, string.Empty, "key"),
            "exchange.unbind to" => () => channel.ExchangeUnbindAsync(string.Empty, missing, "key"),
            _ => () => channel.ExchangeUnbindAsync(missing, string.Empty, "key"),
        };

        var reason = await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, channel, refused);
        Assert.Contains("default exchange", reason.ReplyText, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amq.direct", "direct")]
    [InlineData("amq.fanout", "fanout")]
    [InlineData("amq.topic", "topic")]
    [InlineData("amq.headers", "headers")]
    [InlineData("amq.match", "headers")]
    public async Task Predeclared_exchange_exists_as_a_durable_exchange_of_its_type(string name, string type)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.ExchangeDeclarePassiveAsync(name);
        // An equivalent redeclare is allowed even for an amq. name; anything else would be refused.
        await channel.ExchangeDeclareAsync(name, type, durable: true, autoDelete: false);
    }

    [Fact]
    public async Task Predeclared_exchanges_route_by_their_type()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var direct = await channel.DeclareBoundQueueAsync("amq.direct", "key");
        var fanout = await channel.DeclareBoundQueueAsync("amq.fanout", "unused");
        var topic = await channel.DeclareBoundQueueAsync("amq.topic", "a.*");
        var match = await channel.DeclareBoundQueueAsync("amq.match", string.Empty, Table(("x-match", "any"), ("kind", "k")));
        var headers = await channel.DeclareBoundQueueAsync("amq.headers", string.Empty, Table(("x-match", "all"), ("kind", "k")));
        string[] all = [direct, fanout, topic, match, headers];

        Assert.Equal(new[] { direct }, await channel.QueuesReachedAsync("amq.direct", "key", all));
        Assert.Empty(await channel.QueuesReachedAsync("amq.direct", "other", all));
        Assert.Equal(new[] { fanout }, await channel.QueuesReachedAsync("amq.fanout", "other", all));
        Assert.Equal(new[] { topic }, await channel.QueuesReachedAsync("amq.topic", "a.b", all));
        Assert.Empty(await channel.QueuesReachedAsync("amq.topic", "a.b.c", all));
        Assert.Equal(new[] { match }, await channel.QueuesReachedAsync("amq.match", string.Empty, all, Headers(("kind", "k"))));
        Assert.Equal(new[] { headers }, await channel.QueuesReachedAsync("amq.headers", string.Empty, all, Headers(("kind", "k"))));
    }

    [Fact]
    public async Task Publishing_to_an_internal_exchange_closes_the_channel_with_access_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        // RabbitMQ.Client cannot declare an internal exchange, so the test declares it in the core.
        broker.DefaultVirtualHost().DeclareExchange("internal.events", new ExchangeDefinition { Type = "fanout", Internal = true }, passive: false);
        await using var connection = await broker.ConnectAsync();
        await using var setup = await connection.CreateChannelAsync();
        var queue = await setup.DeclareBoundQueueAsync("internal.events", string.Empty);

        var publisher = await connection.CreateChannelAsync();
        await publisher.PublishTextAsync("internal.events", string.Empty, "not allowed");
        var reason = await Refusals.ChannelClosedAsync(Constants.AccessRefused, connection, publisher);

        Assert.Equal("ACCESS_REFUSED - cannot publish to internal exchange 'internal.events' in vhost '/'", reason.ReplyText);
        Assert.Equal(0u, await setup.ReadyCountAsync(queue));
    }

    [Fact]
    public async Task Messages_reach_an_internal_exchange_through_an_exchange_to_exchange_binding()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.DefaultVirtualHost().DeclareExchange("internal.events", new ExchangeDefinition { Type = "fanout", Internal = true }, passive: false);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.DeclareBoundQueueAsync("internal.events", string.Empty);
        await channel.ExchangeDeclareAsync("front", ExchangeType.Direct);
        await channel.ExchangeBindAsync(destination: "internal.events", source: "front", routingKey: "public");

        Assert.Equal(new[] { queue }, await channel.QueuesReachedAsync("front", "public", [queue]));
        Assert.Empty(await channel.QueuesReachedAsync("front", "private", [queue]));
    }

    [Fact]
    public async Task Messages_no_binding_matches_go_to_the_alternate_exchange()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("unrouted", ExchangeType.Fanout);
        var leftovers = await channel.DeclareBoundQueueAsync("unrouted", string.Empty);
        await channel.ExchangeDeclareAsync("main", ExchangeType.Direct, arguments: Table(("alternate-exchange", "unrouted")));
        var known = await channel.DeclareBoundQueueAsync("main", "known");

        Assert.Equal(new[] { known }, await channel.QueuesReachedAsync("main", "known", [known, leftovers]));
        Assert.Equal(new[] { leftovers }, await channel.QueuesReachedAsync("main", "unknown", [known, leftovers]));
    }

    [Fact]
    public async Task A_mandatory_message_taken_by_the_alternate_exchange_is_not_returned()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("unrouted", ExchangeType.Fanout);
        var leftovers = await channel.DeclareBoundQueueAsync("unrouted", string.Empty);
        await channel.ExchangeDeclareAsync("main", ExchangeType.Direct, arguments: Table(("alternate-exchange", "unrouted")));
        var returned = new List<string>();
        channel.BasicReturnAsync += (_, e) =>
        {
            lock (returned)
            {
                returned.Add(System.Text.Encoding.UTF8.GetString(e.Body.Span));
            }

            return Task.CompletedTask;
        };

        await channel.PublishTextAsync("main", "unknown", "taken by the alternate", mandatory: true);
        // Returns come in publish order, so once the marker is back the first one would have been too.
        await channel.PublishTextAsync("amq.direct", "unbound", "marker", mandatory: true);
        await Wait.UntilAsync(() => { lock (returned) { return returned.Count > 0; } }, "the marker is returned");

        lock (returned)
        {
            Assert.Equal(new[] { "marker" }, returned);
        }

        Assert.Equal(new[] { "taken by the alternate" }, await channel.DrainAsync(leftovers));
    }

    [Fact]
    public async Task Exchange_to_exchange_binding_routes_until_it_is_unbound()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("source", ExchangeType.Topic);
        await channel.ExchangeDeclareAsync("destination", ExchangeType.Fanout);
        var queue = await channel.DeclareBoundQueueAsync("destination", string.Empty);

        await channel.ExchangeBindAsync(destination: "destination", source: "source", routingKey: "eu.*");
        Assert.Equal(new[] { queue }, await channel.QueuesReachedAsync("source", "eu.paris", [queue]));
        Assert.Empty(await channel.QueuesReachedAsync("source", "us.nyc", [queue]));

        await channel.ExchangeUnbindAsync(destination: "destination", source: "source", routingKey: "eu.*");
        Assert.Empty(await channel.QueuesReachedAsync("source", "eu.paris", [queue]));
    }

    [Fact]
    public async Task Passive_declare_succeeds_for_an_existing_exchange_and_closes_the_channel_with_not_found_otherwise()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("present", ExchangeType.Direct);

        await channel.ExchangeDeclarePassiveAsync("present");
        var reason = await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.ExchangeDeclarePassiveAsync("absent"));

        Assert.Equal("NOT_FOUND - no exchange 'absent' in vhost '/'", reason.ReplyText);
    }

    [Theory]
    [InlineData(ExchangeType.Fanout, false)]
    [InlineData(ExchangeType.Direct, true)]
    public async Task Redeclaring_an_exchange_with_a_different_type_or_durability_closes_the_channel_with_precondition_failed(string type, bool durable)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("logs", ExchangeType.Direct, durable: false);
        await channel.ExchangeDeclareAsync("logs", ExchangeType.Direct, durable: false);

        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel, () => channel.ExchangeDeclareAsync("logs", type, durable));

        await using var after = await connection.CreateChannelAsync();
        await after.ExchangeDeclareAsync("logs", ExchangeType.Direct, durable: false);
    }

    [Fact]
    public async Task Inequivalent_exchange_declare_is_explained_in_rabbitmq_words()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("logs", ExchangeType.Direct);

        var reason = await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, channel, () => channel.ExchangeDeclareAsync("logs", ExchangeType.Fanout));

        Assert.Equal("PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'logs' in vhost '/': received 'fanout' but current is 'direct'", reason.ReplyText);
    }

    [Fact]
    public async Task Declaring_an_exchange_with_the_reserved_amq_prefix_closes_the_channel_with_access_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, channel, () => channel.ExchangeDeclareAsync("amq.custom", ExchangeType.Direct));

        Assert.False(broker.HasExchange("amq.custom"));
    }

    [Fact]
    public async Task Deleting_a_predeclared_amq_exchange_closes_the_channel_with_access_refused()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        await Refusals.ClosesChannelAsync(Constants.AccessRefused, connection, channel, () => channel.ExchangeDeleteAsync("amq.direct"));

        await using var after = await connection.CreateChannelAsync();
        await after.ExchangeDeclarePassiveAsync("amq.direct");
    }

    [Fact]
    public async Task Deleting_an_exchange_if_unused_is_refused_while_it_has_bindings()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var setup = await connection.CreateChannelAsync();
        await setup.ExchangeDeclareAsync("busy", ExchangeType.Direct);
        var queue = await setup.DeclareBoundQueueAsync("busy", "k");

        var deleter = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(Constants.PreconditionFailed, connection, deleter, () => deleter.ExchangeDeleteAsync("busy", ifUnused: true));
        await setup.ExchangeDeclarePassiveAsync("busy");

        await setup.QueueUnbindAsync(queue, "busy", "k");
        await setup.ExchangeDeleteAsync("busy", ifUnused: true);
        Assert.False(broker.HasExchange("busy"));
    }

    [Fact]
    public async Task Auto_delete_exchange_is_deleted_when_its_last_binding_is_removed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("temporary", ExchangeType.Direct, durable: false, autoDelete: true);
        var queue = await channel.DeclareQueueAsync();
        await channel.QueueBindAsync(queue, "temporary", "a");
        await channel.QueueBindAsync(queue, "temporary", "b");

        // Never having had a binding does not delete it; losing one of two does not either.
        await channel.QueueUnbindAsync(queue, "temporary", "a");
        await channel.ExchangeDeclarePassiveAsync("temporary");

        await channel.QueueUnbindAsync(queue, "temporary", "b");
        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.ExchangeDeclarePassiveAsync("temporary"));
    }

    [Fact]
    public async Task Auto_delete_exchange_is_deleted_when_its_only_bound_queue_is_deleted()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("temporary", ExchangeType.Fanout, durable: false, autoDelete: true);
        var queue = await channel.DeclareBoundQueueAsync("temporary", string.Empty);

        await channel.QueueDeleteAsync(queue);

        await Refusals.ClosesChannelAsync(Constants.NotFound, connection, channel, () => channel.ExchangeDeclarePassiveAsync("temporary"));
    }
}
