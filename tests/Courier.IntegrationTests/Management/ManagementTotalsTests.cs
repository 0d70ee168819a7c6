using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.IntegrationTests.Management;

/// <summary>
/// The overview's totals, kept up to date as queues change rather than summed per request, and the
/// first page of queues, read from a name index: both agree with the whole list of queues while a
/// real client declares, publishes, consumes, acknowledges and deletes.
/// </summary>
public sealed class ManagementTotalsTests
{
    [Fact]
    public async Task Overview_totals_agree_with_the_whole_queue_list_as_a_client_works()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var name in new[] { "t-orders", "t-audit", "t-spare" })
        {
            await channel.QueueDeclareAsync(name, durable: false, exclusive: false, autoDelete: false);
        }

        await AgreeAsync(api, "three empty queues");
        for (var i = 0; i < 10; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "t-orders", "m"u8.ToArray());
            await channel.BasicPublishAsync(string.Empty, "t-audit", "m"u8.ToArray());
        }

        await AgreeAsync(api, "ten messages in each of two queues", ready: 20);

        await channel.BasicQosAsync(0, 4, global: false);
        var deliveries = new List<ulong>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            lock (deliveries)
            {
                deliveries.Add(delivery.DeliveryTag);
            }

            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("t-orders", autoAck: false, consumer);
        await Wait.UntilAsync(() => { lock (deliveries) { return deliveries.Count == 4; } }, "the consumer holds its prefetch of four");
        await AgreeAsync(api, "four out with the consumer", ready: 16, unacked: 4, consumers: 1);

        ulong last;
        lock (deliveries)
        {
            last = deliveries[1];
        }

        await channel.BasicAckAsync(last, multiple: true);
        await Wait.UntilAsync(() => { lock (deliveries) { return deliveries.Count == 6; } }, "two more delivered after two acks");
        await AgreeAsync(api, "two acknowledged", ready: 14, unacked: 4, consumers: 1);

        await api.DeleteAsync("api/queues/%2F/t-audit/contents");
        await AgreeAsync(api, "the audit queue purged", ready: 4, unacked: 4, consumers: 1);

        await channel.QueueDeleteAsync("t-orders");
        await AgreeAsync(api, "the consumed queue deleted with its messages out");
    }

    [Fact]
    public async Task The_default_order_is_vhost_then_name_as_RabbitMQs_and_pages_walk_across_vhosts()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/vhosts/b-side", new { });
        await api.PutAsync("api/permissions/b-side/guest", new { configure = ".*", write = ".*", read = ".*" });
        foreach (var (vhost, name) in new[] { ("b-side", "a1"), ("%2F", "z9"), ("b-side", "c3"), ("%2F", "m5"), ("b-side", "b2") })
        {
            await api.PutAsync($"api/queues/{vhost}/{name}", new { durable = false });
        }

        // Declared over AMQP too, so the index sees a client's declares and not only the API's.
        await using (var connection = await broker.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("a0", durable: false, exclusive: false, autoDelete: false);
        }

        string[] expected = ["/ a0", "/ m5", "/ z9", "b-side a1", "b-side b2", "b-side c3"];
        Assert.Equal(expected, Names(await api.GetAsync("api/queues?page=1&page_size=100")));
        Assert.Equal(expected[2..4], Names(await api.GetAsync("api/queues?page=2&page_size=2")));
        Assert.Equal(Enumerable.Reverse(expected).Take(4), Names(await api.GetAsync("api/queues?page=1&page_size=4&sort_reverse=true")));
        Assert.Equal(expected[3..], Names(await api.GetAsync("api/queues/b-side?page=1&page_size=10")));
        var last = await api.GetAsync("api/queues?page=3&page_size=2");
        Assert.Equal((6, 6, 3, 2), (last["total_count"]!.GetValue<int>(), last["filtered_count"]!.GetValue<int>(), last["page_count"]!.GetValue<int>(), last["item_count"]!.GetValue<int>()));

        // The unpaged list and an explicit sort keep the same order, ties broken by vhost then name.
        Assert.Equal(expected, (await api.GetAsync("api/queues")).AsArray().Select(q => $"{q!["vhost"]} {q["name"]}"));
        Assert.Equal(expected, (await api.GetAsync("api/queues?sort=messages")).AsArray().Select(q => $"{q!["vhost"]} {q["name"]}"));
    }

    private static IEnumerable<string> Names(JsonNode page) =>
        page["items"]!.AsArray().Select(q => $"{q!["vhost"]} {q["name"]}");

    /// <summary>Waits until the overview shows the expected totals, and checks them against a sum over the whole queue list.</summary>
    private static async Task AgreeAsync(ManagementClient api, string what, long ready = 0, long unacked = 0, long consumers = 0)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonNode overview;
        while (true)
        {
            overview = await api.GetAsync("api/overview");
            var totals = overview["queue_totals"]!;
            var seen = (totals["messages_ready"]!.GetValue<long>(), totals["messages_unacknowledged"]!.GetValue<long>(), overview["object_totals"]!["consumers"]!.GetValue<long>());
            if (seen == (ready, unacked, consumers))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the overview counts {seen} (ready, unacknowledged, consumers), not {(ready, unacked, consumers)}: {what}");
            await Task.Delay(10);
        }

        var queues = (await api.GetAsync("api/queues")).AsArray();
        Assert.Equal(queues.Count, overview["object_totals"]!["queues"]!.GetValue<int>());
        Assert.Equal(ready, queues.Sum(q => q!["messages_ready"]!.GetValue<long>()));
        Assert.Equal(unacked, queues.Sum(q => q!["messages_unacknowledged"]!.GetValue<long>()));
        Assert.Equal(consumers, queues.Sum(q => q!["consumers"]!.GetValue<long>()));
        Assert.Equal(ready + unacked, overview["queue_totals"]!["messages"]!.GetValue<long>());
    }
}
