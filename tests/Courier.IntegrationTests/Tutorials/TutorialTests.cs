using System.Collections.Concurrent;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Tutorials;

/// <summary>
/// RabbitMQ's tutorials 1–6, written as in RabbitMQ's .NET tutorial code (RabbitMQ.Client 7),
/// each asserting what its consumers received.
/// </summary>
public sealed class TutorialTests
{
    [Fact]
    public async Task Tutorial_1_hello_world()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var receiverConnection = await broker.ConnectAsync();
        await using var receiver = await receiverConnection.CreateChannelAsync();
        await receiver.QueueDeclareAsync("hello", durable: false, exclusive: false, autoDelete: false);
        var inbox = new Inbox();
        var consumer = new AsyncEventingBasicConsumer(receiver);
        consumer.ReceivedAsync += (_, ea) => inbox.Add(Encoding.UTF8.GetString(ea.Body.Span));
        await receiver.BasicConsumeAsync("hello", autoAck: true, consumer);

        await using var senderConnection = await broker.ConnectAsync();
        await using var sender = await senderConnection.CreateChannelAsync();
        await sender.QueueDeclareAsync("hello", durable: false, exclusive: false, autoDelete: false);
        await sender.BasicPublishAsync(string.Empty, "hello", Encoding.UTF8.GetBytes("Hello World!"));

        Assert.Equal(["Hello World!"], await inbox.WaitForAsync(1));
    }

    [Fact]
    public async Task Tutorial_2_work_queues_share_tasks_fairly_and_lose_none()
    {
        await using var broker = await TestBroker.StartAsync();
        var done = new ConcurrentDictionary<string, string>();
        var workers = new List<IChannel>();
        var connections = new List<IConnection>();
        try
        {
            foreach (var name in new[] { "worker-1", "worker-2" })
            {
                var connection = await broker.ConnectAsync();
                connections.Add(connection);
                var channel = await connection.CreateChannelAsync();
                workers.Add(channel);
                await channel.QueueDeclareAsync("task_queue", durable: true, exclusive: false, autoDelete: false);
                await channel.BasicQosAsync(0, 1, false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += async (_, ea) =>
                {
                    var task = Encoding.UTF8.GetString(ea.Body.Span);
                    Assert.True(done.TryAdd(task, name), $"task {task} was done twice");
                    await channel.BasicAckAsync(ea.DeliveryTag, multiple: false);
                };
                await channel.BasicConsumeAsync("task_queue", autoAck: false, consumer);
            }

            await using var producerConnection = await broker.ConnectAsync();
            await using var producer = await producerConnection.CreateChannelAsync();
            await producer.QueueDeclareAsync("task_queue", durable: true, exclusive: false, autoDelete: false);
            var properties = new BasicProperties { Persistent = true };
            var tasks = Enumerable.Range(1, 20).Select(i => $"task {i}{new string('.', i % 3)}").ToList();
            foreach (var task in tasks)
            {
                await producer.BasicPublishAsync(string.Empty, "task_queue", false, properties, Encoding.UTF8.GetBytes(task));
            }

            await Wait.UntilAsync(() => done.Count == tasks.Count, "every task is done");
            Assert.Equal(tasks.Order(), done.Keys.Order());
            Assert.Contains("worker-1", done.Values);
            Assert.Contains("worker-2", done.Values);
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Tutorial_3_publish_subscribe_broadcasts_to_every_subscriber()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var inboxes = new List<Inbox>();
        for (var i = 0; i < 2; i++)
        {
            var channel = await connection.CreateChannelAsync();
            await channel.ExchangeDeclareAsync("logs", ExchangeType.Fanout);
            var queue = (await channel.QueueDeclareAsync()).QueueName;
            Assert.StartsWith("amq.gen-", queue, StringComparison.Ordinal);
            await channel.QueueBindAsync(queue, "logs", string.Empty);
            var inbox = new Inbox();
            inboxes.Add(inbox);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, ea) => inbox.Add(Encoding.UTF8.GetString(ea.Body.Span));
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        }

        await using var emitter = await connection.CreateChannelAsync();
        await emitter.ExchangeDeclareAsync("logs", ExchangeType.Fanout);
        string[] logs = ["info: Hello World!", "warning: disk", "error: gone"];
        foreach (var log in logs)
        {
            await emitter.BasicPublishAsync("logs", string.Empty, Encoding.UTF8.GetBytes(log));
        }

        foreach (var inbox in inboxes)
        {
            Assert.Equal(logs, await inbox.WaitForAsync(logs.Length));
        }
    }

    [Fact]
    public async Task Tutorial_4_routing_delivers_by_severity()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var errorsOnly = await SubscribeAsync(connection, "direct_logs", ExchangeType.Direct, "error");
        var everything = await SubscribeAsync(connection, "direct_logs", ExchangeType.Direct, "info", "warning", "error");

        await using var emitter = await connection.CreateChannelAsync();
        await emitter.ExchangeDeclareAsync("direct_logs", ExchangeType.Direct);
        foreach (var (severity, text) in new[] { ("info", "i1"), ("error", "e1"), ("warning", "w1"), ("debug", "d1"), ("error", "e2") })
        {
            await emitter.BasicPublishAsync("direct_logs", severity, Encoding.UTF8.GetBytes($"{severity}:{text}"));
        }

        Assert.Equal(["info:i1", "error:e1", "warning:w1", "error:e2"], await everything.WaitForAsync(4));
        Assert.Equal(["error:e1", "error:e2"], await errorsOnly.WaitForAsync(2));
        Assert.Equal(4, everything.Count);
    }

    [Fact]
    public async Task Tutorial_5_topics_match_words_and_wildcards()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        var q1 = await SubscribeAsync(connection, "topic_logs", ExchangeType.Topic, "*.orange.*");
        var q2 = await SubscribeAsync(connection, "topic_logs", ExchangeType.Topic, "*.*.rabbit", "lazy.#");

        await using var emitter = await connection.CreateChannelAsync();
        await emitter.ExchangeDeclareAsync("topic_logs", ExchangeType.Topic);
        string[] keys =
        [
            "quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "lazy.brown.fox",
            "lazy.pink.rabbit", "quick.brown.fox", "orange", "quick.orange.new.rabbit", "lazy.orange.new.rabbit",
        ];
        foreach (var key in keys)
        {
            await emitter.BasicPublishAsync("topic_logs", key, Encoding.UTF8.GetBytes(key));
        }

        // A marker sent last to both proves nothing else is still on its way.
        await emitter.BasicPublishAsync("topic_logs", "lazy.orange.rabbit", Encoding.UTF8.GetBytes("end"));
        Assert.Equal(["quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "end"], await q1.WaitForAsync(4));
        Assert.Equal(
            ["quick.orange.rabbit", "lazy.orange.elephant", "lazy.brown.fox", "lazy.pink.rabbit", "lazy.orange.new.rabbit", "end"],
            await q2.WaitForAsync(6));
    }

    [Fact]
    public async Task Tutorial_6_rpc_answers_each_request_with_its_correlation_id()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var serverConnection = await broker.ConnectAsync();
        await using var server = await serverConnection.CreateChannelAsync();
        await server.QueueDeclareAsync("rpc_queue", durable: false, exclusive: false, autoDelete: false);
        await server.BasicQosAsync(0, 1, false);
        var serverConsumer = new AsyncEventingBasicConsumer(server);
        serverConsumer.ReceivedAsync += async (_, ea) =>
        {
            var n = int.Parse(Encoding.UTF8.GetString(ea.Body.Span), System.Globalization.CultureInfo.InvariantCulture);
            var reply = new BasicProperties { CorrelationId = ea.BasicProperties.CorrelationId };
            await server.BasicPublishAsync(string.Empty, ea.BasicProperties.ReplyTo!, false, reply, Encoding.UTF8.GetBytes(Fib(n).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await server.BasicAckAsync(ea.DeliveryTag, false);
        };
        await server.BasicConsumeAsync("rpc_queue", autoAck: false, serverConsumer);

        await using var clientConnection = await broker.ConnectAsync();
        await using var client = await clientConnection.CreateChannelAsync();
        var replyQueue = (await client.QueueDeclareAsync()).QueueName;
        var pending = new ConcurrentDictionary<string, TaskCompletionSource<string>>();
        var replies = new AsyncEventingBasicConsumer(client);
        replies.ReceivedAsync += (_, ea) =>
        {
            if (ea.BasicProperties.CorrelationId is { } id && pending.TryRemove(id, out var tcs))
            {
                tcs.TrySetResult(Encoding.UTF8.GetString(ea.Body.Span));
            }

            return Task.CompletedTask;
        };
        await client.BasicConsumeAsync(replyQueue, autoAck: true, replies);

        var calls = new List<(int N, Task<string> Reply)>();
        foreach (var n in new[] { 0, 1, 10, 20, 30 })
        {
            var id = Guid.NewGuid().ToString();
            var tcs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            pending[id] = tcs;
            var request = new BasicProperties { CorrelationId = id, ReplyTo = replyQueue };
            await client.BasicPublishAsync(string.Empty, "rpc_queue", false, request, Encoding.UTF8.GetBytes(n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            calls.Add((n, tcs.Task));
        }

        foreach (var (n, reply) in calls)
        {
            Assert.Equal(Fib(n).ToString(System.Globalization.CultureInfo.InvariantCulture), await Wait.ForAsync(reply, $"fib({n})"));
        }
    }

    private static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);

    private static async Task<Inbox> SubscribeAsync(IConnection connection, string exchange, string type, params string[] keys)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, type);
        var queue = (await channel.QueueDeclareAsync()).QueueName;
        foreach (var key in keys)
        {
            await channel.QueueBindAsync(queue, exchange, key);
        }

        var inbox = new Inbox();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, ea) => inbox.Add(Encoding.UTF8.GetString(ea.Body.Span));
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return inbox;
    }

    /// <summary>What a consumer received, in order, with a way to wait for a count.</summary>
    private sealed class Inbox
    {
        private readonly List<string> _items = [];

        public int Count
        {
            get
            {
                lock (_items)
                {
                    return _items.Count;
                }
            }
        }

        public Task Add(string item)
        {
            lock (_items)
            {
                _items.Add(item);
            }

            return Task.CompletedTask;
        }

        public async Task<string[]> WaitForAsync(int count)
        {
            await Wait.UntilAsync(() => Count >= count, $"{count} messages arrive");
            lock (_items)
            {
                return [.. _items];
            }
        }
    }
}
