using System.Net;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Management;

/// <summary>Overview, nodes, health checks, the aliveness test, and the shape of errors.</summary>
public sealed class ManagementNodeTests
{
    [Fact]
    public async Task Overview_counts_objects_and_messages_and_lists_the_listeners()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/q1", new { durable = false });
        await api.PostAsync("api/exchanges/%2F/amq.default/publish", new { properties = new { }, routing_key = "q1", payload = "x", payload_encoding = "string" });

        var overview = await api.GetAsync("api/overview");
        Assert.Equal(1, overview["object_totals"]!["queues"]!.GetValue<long>());
        Assert.Equal(6, overview["object_totals"]!["exchanges"]!.GetValue<long>());
        Assert.Equal(1, overview["queue_totals"]!["messages_ready"]!.GetValue<long>());
        Assert.Equal("courier@" + Environment.MachineName, overview["node"]!.GetValue<string>());
        var ports = overview["listeners"]!.AsArray().Select(l => l!["port"]!.GetValue<int>()).ToList();
        Assert.Contains(broker.AmqpPort, ports);
        Assert.Contains(broker.Host.EndPointOf("http").Port, ports);
    }

    [Fact]
    public async Task Health_checks_answer_ok_or_503_as_RabbitMQ()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        Assert.Equal("ok", (await api.GetAsync("api/health/checks/alarms"))["status"]!.GetValue<string>());
        Assert.Equal("ok", (await api.GetAsync("api/health/checks/local-alarms"))["status"]!.GetValue<string>());
        Assert.Equal("ok", (await api.GetAsync("api/health/checks/virtual-hosts"))["status"]!.GetValue<string>());
        var listening = await api.GetAsync($"api/health/checks/port-listener/{broker.AmqpPort}");
        Assert.Equal(broker.AmqpPort, listening["port"]!.GetValue<int>());

        var missing = await api.ExpectAsync(HttpStatusCode.ServiceUnavailable, HttpMethod.Get, "api/health/checks/port-listener/1");
        Assert.Equal("failed", missing!["status"]!.GetValue<string>());
        Assert.Equal(1, missing["missing"]!.GetValue<int>());
    }

    [Fact]
    public async Task Aliveness_test_round_trips_a_message_and_leaves_no_queue_behind()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        Assert.Equal("ok", (await api.GetAsync("api/aliveness-test/%2F"))["status"]!.GetValue<string>());
        Assert.Empty((await api.GetAsync("api/queues/%2F")).AsArray());
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/aliveness-test/nowhere");
    }

    [Fact]
    public async Task Unknown_objects_and_paths_answer_404_and_wrong_methods_405_with_a_json_error()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/queues/%2F/nope");
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/users/nobody");
        Assert.Equal("vhost_not_found", await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Put, "api/queues/nohost/q", new { }));
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/no-such-thing");
        await api.RefusedAsync(HttpStatusCode.MethodNotAllowed, HttpMethod.Post, "api/overview", new { });
        var unknown = await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, "api/queues/%2F/q", new { durable = false, colour = "blue" });
        Assert.Contains("colour", unknown, StringComparison.Ordinal);
    }
}
