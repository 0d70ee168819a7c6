using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Management;

/// <summary>
/// <c>message_stats</c> and the <c>*_details</c> rates, as RabbitMQ's management API shows them,
/// counted from what a real client did over AMQP.
/// </summary>
public sealed class MessageStatsTests
{
    [Fact]
    public async Task Counts_of_publishes_confirms_returns_deliveries_gets_and_acks_show_on_queue_exchange_vhost_and_overview()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/stats", new { durable = false });
        await using var connection = await broker.ConnectAsync();
        await using (var confirming = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            for (var i = 0; i < 5; i++)
            {
                await confirming.BasicPublishAsync(string.Empty, "stats", "m"u8.ToArray());
            }
        }

        await using var channel = await connection.CreateChannelAsync();
        var returned = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicReturnAsync += (_, _) =>
        {
            returned.TrySetResult();
            return Task.CompletedTask;
        };
        await channel.BasicPublishAsync(string.Empty, "nowhere", mandatory: true, new BasicProperties(), "m"u8.ToArray());
        await channel.BasicPublishAsync(string.Empty, "nowhere", "m"u8.ToArray());
        await Wait.ForAsync(returned.Task, "the mandatory publish comes back");

        var got = await channel.BasicGetAsync("stats", autoAck: false);
        await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);
        Assert.NotNull(await channel.BasicGetAsync("stats", autoAck: true));
        var delivered = 0;
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            Interlocked.Increment(ref delivered);
        };
        await channel.BasicConsumeAsync("stats", autoAck: false, consumer);
        await Wait.UntilAsync(() => Volatile.Read(ref delivered) == 3, "the consumer has acknowledged the other three");

        var queue = await api.GetUntilAsync("api/queues/%2F/stats", q => Count(q, "ack") == 4, "the queue counts four acks");
        Assert.Equal((5L, 3L, 1L, 1L, 5L), (Count(queue, "publish"), Count(queue, "deliver"), Count(queue, "get"), Count(queue, "get_no_ack"), Count(queue, "deliver_get")));
        Assert.Equal(0L, Count(queue, "redeliver"));

        var overview = await api.GetAsync("api/overview");
        Assert.Equal("basic", overview["rates_mode"]!.GetValue<string>());
        Assert.Equal((7L, 5L, 1L, 1L), (Count(overview, "publish"), Count(overview, "confirm"), Count(overview, "return_unroutable"), Count(overview, "drop_unroutable")));
        Assert.Equal((5L, 4L), (Count(overview, "deliver_get"), Count(overview, "ack")));

        var vhost = await api.GetAsync("api/vhosts/%2F");
        Assert.Equal((7L, 5L), (Count(vhost, "publish"), Count(vhost, "deliver_get")));

        var exchange = await api.GetAsync("api/exchanges/%2F/amq.default");
        Assert.Equal((7L, 5L), (Count(exchange, "publish_in"), Count(exchange, "publish_out")));
    }

    [Fact]
    public async Task Rates_are_sampled_per_interval_while_messages_flow()
    {
        await using var broker = await TestBroker.StartAsync(null, "--collect-statistics-interval", "100");
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/flowing", new { durable = false });
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        // Rates cover the last interval only: keep publishing until a sample has seen some.
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        JsonNode overview, queue;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "no sample saw the messages published");
            for (var i = 0; i < 20; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "flowing", "m"u8.ToArray());
            }

            overview = await api.GetAsync("api/overview");
            queue = await api.GetAsync("api/queues/%2F/flowing");
        }
        while (!(Rate(overview["message_stats"]!, "publish") > 0 && Rate(queue["message_stats"]!, "publish") > 0 && Rate(queue, "messages_ready") > 0 && Rate(overview["queue_totals"]!, "messages") > 0));
    }

    [Fact]
    public async Task Without_statistics_of_its_own_a_new_object_shows_zero_counts_and_rates()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/idle", new { durable = false });

        var queue = await api.GetAsync("api/queues/%2F/idle");
        Assert.Equal(0L, Count(queue, "publish"));
        Assert.Equal(0.0, queue["message_stats"]!["publish_details"]!["rate"]!.GetValue<double>());
        Assert.Equal(0.0, queue["messages_details"]!["rate"]!.GetValue<double>());
    }

    private static long Count(JsonNode item, string field) => item["message_stats"]![field]!.GetValue<long>();

    private static double Rate(JsonNode item, string field) => item[field + "_details"]!["rate"]!.GetValue<double>();
}
