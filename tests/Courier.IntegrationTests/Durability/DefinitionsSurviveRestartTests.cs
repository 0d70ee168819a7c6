using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// What a restart keeps, whether the node stopped cleanly (SIGTERM) or was killed (SIGKILL):
/// durable exchanges of every type with their arguments, durable queues (auto-delete ones too, as
/// RabbitMQ recovers them) with theirs, and bindings between durable things, queue and
/// exchange-to-exchange, with their arguments, so routing works as before. Transient exchanges and
/// queues, exclusive queues and bindings to or from any of them are gone. Persistent messages in a
/// durable queue come back in order, those delivered but not acked marked redelivered; transient
/// messages do not come back. (Users cannot be created over AMQP, so they are not covered here.)
/// </summary>
public sealed class DefinitionsSurviveRestartTests(ITestOutputHelper output)
{
    private const string Direct = "defs.direct";
    private const string Unrouted = "defs.unrouted";
    private const string Fanout = "defs.fanout";
    private const string Topic = "defs.topic";
    private const string Headers = "defs.headers";
    private const string Chained = "defs.chained";
    private const string TransientExchange = "defs.transient.x";

    private const string DirectQueue = "defs.q.direct";
    private const string UnroutedQueue = "defs.q.unrouted";
    private const string FanoutQueue = "defs.q.fanout";
    private const string TopicQueue = "defs.q.topic";
    private const string HeadersQueue = "defs.q.headers";
    private const string ChainedQueue = "defs.q.chained";
    private const string AuditQueue = "defs.q.audit";
    private const string AutoDeleteQueue = "defs.q.autodelete";
    private const string MessagesQueue = "defs.q.messages";
    private const string BarrierQueue = "defs.q.barrier";
    private const string TransientQueue = "defs.transient.q";
    private const string ExclusiveQueue = "defs.exclusive.q";

    private static readonly string[] DurableQueues =
        [DirectQueue, UnroutedQueue, FanoutQueue, TopicQueue, HeadersQueue, ChainedQueue, AuditQueue, AutoDeleteQueue];

    private static readonly Dictionary<string, object?> MessagesQueueArguments = new() { ["x-max-length"] = 100_000 };

    private static readonly Dictionary<string, object?> InvoiceBinding = new() { ["x-match"] = "all", ["kind"] = "invoice", ["region"] = "eu" };

    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task Durable_definitions_and_persistent_messages_survive_a_restart_and_transient_ones_do_not(string stop)
    {
        // 1. Start a node; declare durable and transient things and check they route as declared.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        var connection = await broker.ConnectAsync();
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await DeclareAsync(channel);
        Assert.Equal([DirectQueue, TransientQueue], await channel.QueuesReachedAsync(Direct, "k-direct", [.. DurableQueues, TransientQueue]));
        Assert.Equal([DirectQueue], await channel.QueuesReachedAsync(TransientExchange, "k-transient", DurableQueues));
        Assert.Equal([FanoutQueue, ExclusiveQueue], await channel.QueuesReachedAsync(Fanout, string.Empty, [.. DurableQueues, ExclusiveQueue]));

        // 2. Persistent and transient messages in a durable queue, all confirmed.
        string[] persistent = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
        foreach (var (text, isPersistent) in new[]
                 {
                     ("p0", true), ("p1", true), ("t0", false), ("p2", true), ("p3", true), ("t1", false),
                     ("p4", true), ("p5", true), ("t2", false), ("p6", true), ("p7", true),
                 })
        {
            var properties = new BasicProperties { DeliveryMode = isPersistent ? DeliveryModes.Persistent : DeliveryModes.Transient, MessageId = text };
            await channel.PublishTextAsync(string.Empty, MessagesQueue, text, properties, mandatory: true);
        }

        // 3. A consumer takes the first three and does not ack them; a confirmed publish on its channel
        //    afterwards puts the broker's delivered records on disk before the node is stopped.
        var consumerConnection = await broker.ConnectAsync();
        var consumerChannel = await consumerConnection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await consumerChannel.BasicQosAsync(0, 3, global: false);
        var consumer = new RecordingConsumer(consumerChannel);
        await consumerChannel.BasicConsumeAsync(MessagesQueue, autoAck: false, consumer);
        var held = await consumer.WaitForAsync(3);
        Assert.Equal(["p0", "p1", "t0"], held.Select(d => d.Text));
        await consumerChannel.PublishTextAsync(string.Empty, BarrierQueue, "barrier", new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, mandatory: true);

        // 4. Stop the node with the connections still open.
        if (stop == "SIGTERM")
        {
            await broker.StopGracefullyAsync();
        }
        else
        {
            await broker.KillAsync();
        }

        await Wait.UntilAsync(() => !connection.IsOpen && !consumerConnection.IsOpen, "the clients to see the node stop");
        await connection.DisposeAsync();
        await consumerConnection.DisposeAsync();

        // 5. Restart on the same data directory.
        await broker.RestartAsync();
        await using var after = await broker.ConnectAsync();

        // 6. Durable things are back, transient and exclusive ones are not.
        await using (var check = await after.CreateChannelAsync())
        {
            foreach (var exchange in new[] { Direct, Unrouted, Fanout, Topic, Headers, Chained })
            {
                await check.ExchangeDeclarePassiveAsync(exchange);
            }

            foreach (var queue in DurableQueues.Append(MessagesQueue))
            {
                await check.QueueDeclarePassiveAsync(queue);
            }
        }

        foreach (var (kind, name) in new[] { ("exchange", TransientExchange), ("queue", TransientQueue), ("queue", ExclusiveQueue) })
        {
            var probe = await after.CreateChannelAsync();
            await Refusals.ClosesChannelAsync(404, after, probe, () => kind == "exchange" ? probe.ExchangeDeclarePassiveAsync(name) : probe.QueueDeclarePassiveAsync(name));
            await probe.DisposeAsync();
        }

        // 7. Types and arguments came back: an equal redeclare is accepted, a different one refused.
        await using (var redeclare = await after.CreateChannelAsync())
        {
            await redeclare.ExchangeDeclareAsync(Direct, ExchangeType.Direct, durable: true, autoDelete: false, new Dictionary<string, object?> { ["alternate-exchange"] = Unrouted });
            await redeclare.QueueDeclareAsync(MessagesQueue, durable: true, exclusive: false, autoDelete: false, MessagesQueueArguments);
            await redeclare.QueueDeclareAsync(AutoDeleteQueue, durable: true, exclusive: false, autoDelete: true);
        }

        await ExpectRefusedAsync(after, c => c.ExchangeDeclareAsync(Topic, ExchangeType.Direct, durable: true, autoDelete: false));
        await ExpectRefusedAsync(after, c => c.ExchangeDeclareAsync(Direct, ExchangeType.Direct, durable: true, autoDelete: false, new Dictionary<string, object?> { ["alternate-exchange"] = Fanout }));
        await ExpectRefusedAsync(after, c => c.QueueDeclareAsync(MessagesQueue, durable: true, exclusive: false, autoDelete: false, new Dictionary<string, object?> { ["x-max-length"] = 99_999 }));

        // 8. Bindings came back and route as before; those involving transient things did not.
        await using (var route = await after.CreateChannelAsync())
        {
            Assert.Equal([DirectQueue], await route.QueuesReachedAsync(Direct, "k-direct", DurableQueues));
            Assert.Equal([UnroutedQueue], await route.QueuesReachedAsync(Direct, "no-such-key", DurableQueues));
            Assert.Equal([FanoutQueue], await route.QueuesReachedAsync(Fanout, "anything", DurableQueues));
            Assert.Equal([TopicQueue, ChainedQueue], await route.QueuesReachedAsync(Topic, "orders.eu.created", DurableQueues));
            Assert.Equal([ChainedQueue], await route.QueuesReachedAsync(Topic, "orders.eu.shipped", DurableQueues));
            Assert.Empty(await route.QueuesReachedAsync(Topic, "invoices.eu.created", DurableQueues));
            Assert.Equal([HeadersQueue], await route.QueuesReachedAsync(Headers, string.Empty, DurableQueues, WithHeaders(("kind", "invoice"), ("region", "eu"))));
            Assert.Empty(await route.QueuesReachedAsync(Headers, string.Empty, DurableQueues, WithHeaders(("kind", "invoice"))));
            Assert.Equal([AuditQueue], await route.QueuesReachedAsync("amq.topic", "audit.login", DurableQueues));

            // 9. The persistent messages are back in order; those delivered before the stop say so
            //    (after SIGKILL all of them do: the node cannot know which deliveries it lost).
            var messages = new List<(string Text, bool Redelivered)>();
            for (var i = 0; i < 20 && await route.BasicGetAsync(MessagesQueue, autoAck: true) is { } get; i++)
            {
                Assert.Equal(DeliveryModes.Persistent, get.BasicProperties.DeliveryMode);
                messages.Add((Encoding.UTF8.GetString(get.Body.Span), get.Redelivered));
            }

            Assert.Equal(persistent, messages.Select(m => m.Text));
            Assert.Equal(stop == "SIGTERM" ? [true, true, false, false, false, false, false, false] : Enumerable.Repeat(true, 8), messages.Select(m => m.Redelivered));
        }

        await after.CloseAsync();
        await broker.StopGracefullyAsync();
        broker.AssertNoErrorsLogged();
    }

    private static async Task DeclareAsync(IChannel channel)
    {
        await channel.ExchangeDeclareAsync(Unrouted, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.ExchangeDeclareAsync(Direct, ExchangeType.Direct, durable: true, autoDelete: false, new Dictionary<string, object?> { ["alternate-exchange"] = Unrouted });
        await channel.ExchangeDeclareAsync(Fanout, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.ExchangeDeclareAsync(Topic, ExchangeType.Topic, durable: true, autoDelete: false);
        await channel.ExchangeDeclareAsync(Headers, ExchangeType.Headers, durable: true, autoDelete: false);
        await channel.ExchangeDeclareAsync(Chained, ExchangeType.Fanout, durable: true, autoDelete: false);
        await channel.ExchangeDeclareAsync(TransientExchange, ExchangeType.Direct, durable: false, autoDelete: false);

        foreach (var queue in DurableQueues)
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: queue == AutoDeleteQueue);
        }

        await channel.QueueDeclareAsync(MessagesQueue, durable: true, exclusive: false, autoDelete: false, MessagesQueueArguments);
        await channel.QueueDeclareAsync(BarrierQueue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(TransientQueue, durable: false, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync(ExclusiveQueue, durable: true, exclusive: true, autoDelete: false);

        await channel.QueueBindAsync(DirectQueue, Direct, "k-direct", new Dictionary<string, object?> { ["x-note"] = "kept" });
        await channel.QueueBindAsync(UnroutedQueue, Unrouted, string.Empty);
        await channel.QueueBindAsync(FanoutQueue, Fanout, string.Empty);
        await channel.QueueBindAsync(TopicQueue, Topic, "orders.*.created");
        await channel.QueueBindAsync(HeadersQueue, Headers, string.Empty, InvoiceBinding);
        await channel.ExchangeBindAsync(Chained, Topic, "orders.#", new Dictionary<string, object?> { ["x-note"] = "exchange-to-exchange" });
        await channel.QueueBindAsync(ChainedQueue, Chained, string.Empty);
        await channel.QueueBindAsync(AuditQueue, "amq.topic", "audit.#");

        // Bindings that must not survive: to a transient queue, from a transient exchange, to an exclusive queue.
        await channel.QueueBindAsync(TransientQueue, Direct, "k-direct");
        await channel.QueueBindAsync(DirectQueue, TransientExchange, "k-transient");
        await channel.QueueBindAsync(ExclusiveQueue, Fanout, string.Empty);
    }

    private static BasicProperties WithHeaders(params (string Key, string Value)[] headers) =>
        new() { Headers = headers.ToDictionary(h => h.Key, h => (object?)h.Value) };

    /// <summary>The declaration must be refused with 406 PRECONDITION_FAILED, closing only its channel.</summary>
    private static async Task ExpectRefusedAsync(IConnection connection, Func<IChannel, Task> declare)
    {
        var channel = await connection.CreateChannelAsync();
        await Refusals.ClosesChannelAsync(406, connection, channel, () => declare(channel));
        await channel.DisposeAsync();
    }
}
