using System.Net;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Management;

/// <summary>RabbitMQ's list parameters: paging, filtering by name, sorting and columns.</summary>
public sealed class ManagementListTests
{
    [Fact]
    public async Task Pages_come_in_RabbitMQs_paged_shape_sorted_by_name()
    {
        await using var broker = await TestBroker.StartAsync();
        for (var i = 0; i < 250; i++)
        {
            broker.Host.Broker.AddVirtualHost("/").DeclareQueue($"q{i:D3}", new Courier.Core.Queues.QueueDefinition(), passive: false, TestSession());
        }

        using var api = new ManagementClient(broker);
        var page = await api.GetAsync("api/queues?page=2&page_size=100");
        Assert.Equal(250, page["total_count"]!.GetValue<int>());
        Assert.Equal(250, page["filtered_count"]!.GetValue<int>());
        Assert.Equal(100, page["item_count"]!.GetValue<int>());
        Assert.Equal(3, page["page_count"]!.GetValue<int>());
        Assert.Equal(2, page["page"]!.GetValue<int>());
        Assert.Equal(100, page["page_size"]!.GetValue<int>());
        var names = page["items"]!.AsArray().Select(q => q!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(100, 100).Select(i => $"q{i:D3}"), names);

        var last = await api.GetAsync("api/queues?page=3&page_size=100&sort_reverse=true");
        Assert.Equal("q049", last["items"]!.AsArray()[0]!["name"]!.GetValue<string>());
        Assert.Equal("q000", last["items"]!.AsArray()[^1]!["name"]!.GetValue<string>());

        var filtered = await api.GetAsync("api/queues/%2F?page=1&name=q24");
        Assert.Equal(["q240", "q241", "q242", "q243", "q244", "q245", "q246", "q247", "q248", "q249"], filtered["items"]!.AsArray().Select(q => q!["name"]!.GetValue<string>()));
        var regex = await api.GetAsync("api/queues?page=1&name=%5Eq00%5B12%5D%24&use_regex=true");
        Assert.Equal(2, regex["filtered_count"]!.GetValue<int>());

        Assert.Equal("page_out_of_range", (await api.ExpectAsync(HttpStatusCode.BadRequest, HttpMethod.Get, "api/queues?page=4&page_size=100"))!["error"]!.GetValue<string>());
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Get, "api/queues?page=1&page_size=501");
        await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Get, "api/queues?page=1&name=(&use_regex=true");
    }

    [Fact]
    public async Task Sort_orders_by_any_field_and_columns_keep_only_those_asked()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        foreach (var (name, count) in new[] { ("a", 2), ("b", 5), ("c", 1) })
        {
            await api.PutAsync($"api/queues/%2F/{name}", new { durable = false });
            for (var i = 0; i < count; i++)
            {
                await api.PostAsync("api/exchanges/%2F/amq.default/publish", new { properties = new { }, routing_key = name, payload = "x", payload_encoding = "string" });
            }
        }

        var byMessages = (await api.GetAsync("api/queues?sort=messages&sort_reverse=true&columns=name,messages")).AsArray();
        Assert.Equal(["b", "a", "c"], byMessages.Select(q => q!["name"]!.GetValue<string>()));
        Assert.Equal(["name", "messages"], byMessages[0]!.AsObject().Select(p => p.Key));

        // A field without a fast key sorts on the JSON, as any other.
        var byState = (await api.GetAsync("api/queues?sort=node,name&columns=name")).AsArray();
        Assert.Equal(["a", "b", "c"], byState.Select(q => q!["name"]!.GetValue<string>()));
        var nested = (await api.GetAsync("api/queues?columns=name,messages_details.rate")).AsArray();
        // Its value is whatever the 5 s sampler last saw (not 0 if a sample fell between the
        // publishes above): the point is that the column keeps just that nested field.
        Assert.Equal(["name", "messages_details"], nested[0]!.AsObject().Select(p => p.Key));
        Assert.Equal(["rate"], nested[0]!["messages_details"]!.AsObject().Select(p => p.Key));
        Assert.Equal(System.Text.Json.JsonValueKind.Number, nested[0]!["messages_details"]!["rate"]!.GetValueKind());
    }

    private static Courier.Core.Sessions.ClientSession TestSession() => new("test", "/", "guest", null, new NoControl());

    private sealed class NoControl : Courier.Core.Sessions.IClientSessionControl
    {
        public void Close(string reason)
        {
        }
    }
}
