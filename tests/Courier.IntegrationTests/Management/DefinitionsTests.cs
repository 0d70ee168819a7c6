using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Management;

/// <summary>
/// Definitions export and import: a file exported from a real RabbitMQ 3.10 (Fixtures/Management,
/// see its README) imports as is, and its user logs in with the password it had in RabbitMQ.
/// </summary>
public sealed class DefinitionsTests
{
    private static string RabbitMqExport() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Management", "rabbitmq-3.10-definitions.json"));

    [Fact]
    public async Task A_RabbitMQ_export_imports_and_its_user_finds_its_objects_with_its_RabbitMQ_password()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", RabbitMqExport());

        // 1. The user logs in over AMQP with the password it had in RabbitMQ, and finds its objects.
        await using var connection = await broker.ConnectAsync(f => { f.UserName = "migrated"; f.Password = "s3cret"; f.VirtualHost = "orders"; });
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclarePassiveAsync("events");
        await channel.ExchangeDeclarePassiveAsync("audit");
        var created = await channel.QueueDeclarePassiveAsync("orders.created");
        Assert.Equal(0u, created.MessageCount);
        await channel.QueueDeclarePassiveAsync("orders.audit");

        // 2. Bindings route as in RabbitMQ: events -> orders.created, and events -> audit (e2e) -> orders.audit.
        await channel.BasicPublishAsync("events", "orders.created.42", Encoding.UTF8.GetBytes("order 42"));
        await Wait.UntilAsync(() => broker.Host.Broker.TryGetVirtualHost("orders", out var v) && v.TryGetQueue("orders.audit", out var q) && q.MessageCount == 1, "the e2e binding to route");
        var got = await channel.BasicGetAsync("orders.created", autoAck: true);
        Assert.Equal("order 42", Encoding.UTF8.GetString(got!.Body.Span));

        // 3. Arguments came across, and the topic permission too.
        var queue = await api.GetAsync("api/queues/orders/orders.created");
        Assert.Equal(60000, queue["arguments"]!["x-message-ttl"]!.GetValue<long>());
        Assert.Equal("audit", queue["arguments"]!["x-dead-letter-exchange"]!.GetValue<string>());
        Assert.Equal(5, (await api.GetAsync("api/queues/orders/orders.audit"))["arguments"]!["x-max-priority"]!.GetValue<long>());
        Assert.Equal("lazy", (await api.GetAsync("api/queues/%2F/app.work"))["arguments"]!["x-queue-mode"]!.GetValue<string>());
        Assert.Equal("events", (await api.GetAsync("api/exchanges/orders/audit"))["arguments"]!["alternate-exchange"]!.GetValue<string>());
        Assert.Equal("^orders\\.", Assert.Single((await api.GetAsync("api/topic-permissions")).AsArray())!["write"]!.GetValue<string>());

        // 4. The same password over HTTP, with the tags it had.
        using var migrated = new ManagementClient(broker, "migrated", "s3cret");
        Assert.Equal("management", (await migrated.GetAsync("api/whoami"))["tags"]![0]!.GetValue<string>());
        using var monitor = new ManagementClient(broker, "monitor", "watch-it");
        await monitor.GetAsync("api/nodes");
    }

    [Fact]
    public async Task An_export_keeps_RabbitMQs_password_hashes_and_imports_into_another_node()
    {
        await using var first = await TestBroker.StartAsync();
        using var firstApi = new ManagementClient(first);
        await firstApi.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", RabbitMqExport());
        var exported = (await firstApi.GetAsync("api/definitions")).AsObject();

        var original = JsonNode.Parse(RabbitMqExport())!["users"]!.AsArray().Single(u => u!["name"]!.GetValue<string>() == "migrated")!;
        var again = exported["users"]!.AsArray().Single(u => u!["name"]!.GetValue<string>() == "migrated")!;
        Assert.Equal(original["password_hash"]!.GetValue<string>(), again["password_hash"]!.GetValue<string>());
        Assert.Equal("rabbit_password_hashing_sha256", again["hashing_algorithm"]!.GetValue<string>());
        Assert.Equal(3, exported["queues"]!.AsArray().Count);
        Assert.Equal(2, exported["exchanges"]!.AsArray().Count);
        Assert.Equal(3, exported["bindings"]!.AsArray().Count);

        await using var second = await TestBroker.StartAsync();
        using var secondApi = new ManagementClient(second);
        await secondApi.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", exported.ToJsonString());
        await using var connection = await second.ConnectAsync(f => { f.UserName = "migrated"; f.Password = "s3cret"; f.VirtualHost = "orders"; });
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclarePassiveAsync("orders.created");

        var vhost = (await secondApi.GetAsync("api/definitions/orders")).AsObject();
        Assert.Null(vhost["users"]);
        Assert.Equal(2, vhost["queues"]!.AsArray().Count);
        Assert.Null(vhost["queues"]![0]!["vhost"]);
    }

    [Fact]
    public async Task A_RabbitMQ_export_with_policies_imports_and_its_policies_apply_and_export_again()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);

        // The fixture's policies section is empty: a copy gets two, as RabbitMQ 3.10 exports them.
        var file = JsonNode.Parse(RabbitMqExport())!.AsObject();
        file["policies"] = new JsonArray(
            new JsonObject { ["vhost"] = "orders", ["name"] = "orders-cap", ["pattern"] = "^orders\\.", ["apply-to"] = "queues", ["definition"] = new JsonObject { ["max-length"] = 2, ["dead-letter-exchange"] = "audit" }, ["priority"] = 1 },
            new JsonObject { ["vhost"] = "orders", ["name"] = "ae", ["pattern"] = "^events$", ["apply-to"] = "exchanges", ["definition"] = new JsonObject { ["alternate-exchange"] = "audit" }, ["priority"] = 0 });
        await api.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", file.ToJsonString());

        var created = await api.GetAsync("api/queues/orders/orders.created");
        Assert.Equal("orders-cap", created["policy"]!.GetValue<string>());
        Assert.Equal("ae", (await api.GetAsync("api/exchanges/orders/events"))["policy"]!.GetValue<string>());

        // The queue's own x-dead-letter-exchange (audit) is kept; the policy's max-length trims.
        await using var connection = await broker.ConnectAsync(f => { f.UserName = "migrated"; f.Password = "s3cret"; f.VirtualHost = "orders"; });
        await using var channel = await connection.CreateChannelAsync();
        for (var i = 0; i < 3; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "orders.created", Encoding.UTF8.GetBytes($"order {i}"));
        }

        await Wait.UntilAsync(() => broker.Host.Broker.TryGetVirtualHost("orders", out var v) && v.TryGetQueue("orders.created", out var q) && q.MessageCount == 2, "the policy's max-length");

        var exported = await api.GetAsync("api/definitions");
        var policies = exported["policies"]!.AsArray();
        Assert.Equal(2, policies.Count);
        var cap = policies.Single(p => p!["name"]!.GetValue<string>() == "orders-cap")!;
        Assert.Equal("orders", cap["vhost"]!.GetValue<string>());
        Assert.Equal("queues", cap["apply-to"]!.GetValue<string>());
        Assert.Equal(2, cap["definition"]!["max-length"]!.GetValue<long>());

        await using var second = await TestBroker.StartAsync();
        using var secondApi = new ManagementClient(second);
        await secondApi.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", exported.ToJsonString());
        Assert.Equal(2, (await secondApi.GetAsync("api/policies/orders")).AsArray().Count);
        Assert.Single((await secondApi.GetAsync("api/definitions/orders"))["policies"]!.AsArray(), p => p!["vhost"] is null && p["name"]!.GetValue<string>() == "ae");
    }

    [Fact]
    public async Task A_file_with_what_Courier_does_not_implement_is_refused_before_anything_is_applied()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        var file = JsonNode.Parse(RabbitMqExport())!.AsObject();
        file["policies"] = new JsonArray(new JsonObject { ["vhost"] = "orders", ["name"] = "mirror", ["pattern"] = ".*", ["apply-to"] = "queues", ["definition"] = new JsonObject { ["ha-mode"] = "all" }, ["priority"] = 0 });

        var reason = await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "api/definitions", file.ToJsonString());
        Assert.Contains("ha-mode", reason, StringComparison.Ordinal);
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/vhosts/orders");
        await api.RefusedAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/users/migrated");

        var md5 = JsonNode.Parse(RabbitMqExport())!.AsObject();
        md5["users"]![0]!["hashing_algorithm"] = "rabbit_password_hashing_md5";
        Assert.Contains("hashing_algorithm", await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "api/definitions", md5.ToJsonString()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Imported_definitions_survive_a_restart()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "courier-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var broker = await TestBroker.StartAsync(null, "--data-dir", dataDir))
            {
                using var api = new ManagementClient(broker);
                await api.ExpectAsync(HttpStatusCode.NoContent, HttpMethod.Post, "api/definitions", RabbitMqExport());
            }

            await using var restarted = await TestBroker.StartAsync(null, "--data-dir", dataDir);
            await using var connection = await restarted.ConnectAsync(f => { f.UserName = "migrated"; f.Password = "s3cret"; f.VirtualHost = "orders"; });
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclarePassiveAsync("orders.audit");
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }
}
