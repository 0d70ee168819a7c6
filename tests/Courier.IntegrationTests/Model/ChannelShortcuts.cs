using System.Text;
using Courier.Core.VirtualHosts;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>The few client calls the model tests repeat, named for what they mean.</summary>
internal static class ChannelShortcuts
{
    /// <summary>Declares a plain queue: not durable, not exclusive, not auto-delete. An empty name asks the broker for one.</summary>
    public static async Task<string> DeclareQueueAsync(this IChannel channel, string name = "", IDictionary<string, object?>? arguments = null) =>
        (await channel.QueueDeclareAsync(name, durable: false, exclusive: false, autoDelete: false, arguments)).QueueName;

    /// <summary>Declares a server-named queue bound to <paramref name="exchange"/>.</summary>
    public static async Task<string> DeclareBoundQueueAsync(this IChannel channel, string exchange, string routingKey, IDictionary<string, object?>? arguments = null)
    {
        var queue = await channel.DeclareQueueAsync();
        await channel.QueueBindAsync(queue, exchange, routingKey, arguments);
        return queue;
    }

    public static ValueTask PublishTextAsync(
        this IChannel channel, string exchange, string routingKey, string text, BasicProperties? properties = null, bool mandatory = false) =>
        channel.BasicPublishAsync(exchange, routingKey, mandatory, properties ?? new BasicProperties(), Encoding.UTF8.GetBytes(text));

    /// <summary>Takes one message with basic.get and auto-ack; null on get-empty.</summary>
    public static async Task<string?> GetTextAsync(this IChannel channel, string queue)
    {
        var result = await channel.BasicGetAsync(queue, autoAck: true);
        return result is null ? null : Encoding.UTF8.GetString(result.Body.Span);
    }

    /// <summary>Takes every ready message with basic.get and auto-ack, in queue order.</summary>
    public static async Task<List<string>> DrainAsync(this IChannel channel, string queue)
    {
        var texts = new List<string>();
        while (await channel.GetTextAsync(queue) is { } text)
        {
            texts.Add(text);
        }

        return texts;
    }

    /// <summary>
    /// Publishes one message and returns the queues among <paramref name="queues"/> it reached, draining
    /// them. basic.get after basic.publish on one channel sees the publish: a channel's methods are handled in order.
    /// </summary>
    public static async Task<string[]> QueuesReachedAsync(
        this IChannel channel, string exchange, string routingKey, IReadOnlyList<string> queues, BasicProperties? properties = null)
    {
        var marker = Guid.NewGuid().ToString("N");
        await channel.PublishTextAsync(exchange, routingKey, marker, properties);
        var reached = new List<string>();
        foreach (var queue in queues)
        {
            var copies = (await channel.DrainAsync(queue)).Count(text => text == marker);
            Assert.True(copies <= 1, $"queue '{queue}' received {copies} copies of one message");
            if (copies == 1)
            {
                reached.Add(queue);
            }
        }

        return [.. reached];
    }

    /// <summary>Ready messages in the queue, from a passive declare.</summary>
    public static async Task<uint> ReadyCountAsync(this IChannel channel, string queue) =>
        (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;

    public static VirtualHost DefaultVirtualHost(this TestBroker broker) =>
        broker.Host.Broker.TryGetVirtualHost("/", out var virtualHost) ? virtualHost : throw new InvalidOperationException("no default vhost");

    public static bool HasQueue(this TestBroker broker, string name) => broker.DefaultVirtualHost().TryGetQueue(name, out _);

    public static bool HasExchange(this TestBroker broker, string name) => broker.DefaultVirtualHost().TryGetExchange(name, out _);
}
