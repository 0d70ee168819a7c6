using Courier.Core.Messages;
using Courier.Core.VirtualHosts;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Routing keys longer than AMQP's 255 bytes (MQTT topics run to 65,535) published through the
/// core into a durable queue are journalled and come back after a restart; a longer one is refused
/// before anything is queued or stored. AMQP cannot send such keys, so the core is driven directly.
/// </summary>
public sealed class LongAddressTests : IDisposable
{
    private const string Queue = "long.keys";

    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-long-keys-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_300_byte_and_a_65535_byte_routing_key_survive_a_restart_and_a_longer_one_is_refused()
    {
        string[] keys = [new string('a', 300), new string('b', Message.MaxAddressBytes - 2) + "é"];
        var tooLong = new string('c', Message.MaxAddressBytes + 1);
        string[] args = ["--data-dir", _dataDir];

        // 1. A durable queue bound to amq.topic for every key; publish the two keys through the core, and the third.
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var connection = await broker.ConnectAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
            await channel.QueueBindAsync(Queue, "amq.topic", "#");
            var vhost = broker.DefaultVirtualHost();
            var topic = vhost.GetExchange("amq.topic");
            long position = 0;
            foreach (var key in keys)
            {
                position = vhost.Publish(topic, Persistent(key), new RoutingResult());
            }

            Assert.Throws<ArgumentException>(() => vhost.Publish(topic, Persistent(tooLong), new RoutingResult()));
            Assert.True(position > 0);
            Assert.Equal(2u, await channel.MessageCountAsync(Queue));
        }

        // 2. After the restart, the queue holds the two, keys intact, in order.
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            Assert.True(broker.DefaultVirtualHost().TryGetQueue(Queue, out var queue));
            foreach (var key in keys)
            {
                queue.TryGet(autoSettle: true, out var queued);
                Assert.NotNull(queued);
                Assert.Equal(key, queued.Message.RoutingKey);
            }

            queue.TryGet(autoSettle: true, out var none);
            Assert.Null(none);
        }
    }

    private static Message Persistent(string routingKey) =>
        new("amq.topic", routingKey, new MessageProperties { Persistence = DeliveryPersistence.Persistent }, "body"u8.ToArray());
}
