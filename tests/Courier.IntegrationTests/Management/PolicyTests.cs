using System.Net;
using System.Text;
using Courier.Core.Queues;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Mqtt;
using MQTTnet;
using MQTTnet.Formatter;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Management;

/// <summary>
/// Policies and operator policies through the management API (HttpClient), and their effect on the
/// message path through RabbitMQ.Client: applied to queues and exchanges that exist and to those
/// declared later, combined as RabbitMQ combines them.
/// </summary>
public sealed class PolicyTests
{
    private static ClassicQueue Queue(TestBroker broker, string name, string vhost = "/") =>
        broker.Host.Broker.TryGetVirtualHost(vhost, out var v) && v.TryGetQueue(name, out var q) ? (ClassicQueue)q : throw new InvalidOperationException($"no queue {name}");

    private static async Task PublishAsync(IChannel channel, string queue, int count, string exchange = "")
    {
        for (var i = 0; i < count; i++)
        {
            await channel.BasicPublishAsync(exchange, queue, Encoding.UTF8.GetBytes($"m{i}"));
        }
    }

    private static async Task<string?> GetBodyAsync(IChannel channel, string queue)
    {
        var got = await channel.BasicGetAsync(queue, autoAck: true);
        return got is null ? null : Encoding.UTF8.GetString(got.Body.Span);
    }

    [Fact]
    public async Task A_policy_is_set_listed_read_and_cleared_with_RabbitMQs_JSON_and_shown_on_its_queues()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/orders.1", new { durable = false });

        await api.PutAsync("api/policies/%2F/limit", new Dictionary<string, object> { ["pattern"] = "^orders\\.", ["definition"] = new { max_length = 0 } }, HttpStatusCode.BadRequest);
        await api.PutAsync("api/policies/%2F/limit", new Dictionary<string, object>
        {
            ["pattern"] = "^orders\\.",
            ["definition"] = new Dictionary<string, object> { ["max-length"] = 10 },
            ["priority"] = 1,
            ["apply-to"] = "queues",
        });
        await api.PutAsync("api/policies/%2F/limit", new Dictionary<string, object> { ["pattern"] = "^orders\\.", ["definition"] = new Dictionary<string, object> { ["max-length"] = 20 }, ["priority"] = 1, ["apply-to"] = "queues" }, HttpStatusCode.NoContent);

        var policy = await api.GetAsync("api/policies/%2F/limit");
        Assert.Equal("/", policy["vhost"]!.GetValue<string>());
        Assert.Equal("limit", policy["name"]!.GetValue<string>());
        Assert.Equal("^orders\\.", policy["pattern"]!.GetValue<string>());
        Assert.Equal("queues", policy["apply-to"]!.GetValue<string>());
        Assert.Equal(1, policy["priority"]!.GetValue<int>());
        Assert.Equal(20, policy["definition"]!["max-length"]!.GetValue<long>());
        Assert.Equal("limit", Assert.Single((await api.GetAsync("api/policies")).AsArray())!["name"]!.GetValue<string>());
        Assert.Single((await api.GetAsync("api/policies/%2F")).AsArray());
        Assert.Empty((await api.GetAsync("api/operator-policies")).AsArray());

        // The queue that existed and one declared after both show it; one it does not match shows none.
        await api.PutAsync("api/queues/%2F/orders.2", new { durable = false });
        await api.PutAsync("api/queues/%2F/other", new { durable = false });
        foreach (var name in new[] { "orders.1", "orders.2" })
        {
            var queue = await api.GetAsync($"api/queues/%2F/{name}");
            Assert.Equal("limit", queue["policy"]!.GetValue<string>());
            Assert.Null(queue["operator_policy"]);
            Assert.Equal(20, queue["effective_policy_definition"]!["max-length"]!.GetValue<long>());
        }

        var other = await api.GetAsync("api/queues/%2F/other");
        Assert.Null(other["policy"]);
        Assert.Empty(other["effective_policy_definition"]!.AsObject());

        await api.DeleteAsync("api/policies/%2F/limit");
        await api.DeleteAsync("api/policies/%2F/limit", HttpStatusCode.NotFound);
        await api.ExpectAsync(HttpStatusCode.NotFound, HttpMethod.Get, "api/policies/%2F/limit");
        Assert.Null((await api.GetAsync("api/queues/%2F/orders.1"))["policy"]);
        Assert.Null(Queue(broker, "orders.1").Arguments.MaxLength);
    }

    [Fact]
    public async Task What_Courier_cannot_honour_is_refused_with_the_reason()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        async Task<string> RefusedAsync(string kind, object definition, string applyTo = "queues", string pattern = ".*") =>
            await api.RefusedAsync(HttpStatusCode.BadRequest, HttpMethod.Put, $"api/{kind}/%2F/p", new Dictionary<string, object> { ["pattern"] = pattern, ["definition"] = definition, ["apply-to"] = applyTo });

        Assert.Contains("mirroring", await RefusedAsync("policies", new Dictionary<string, object> { ["ha-mode"] = "all" }), StringComparison.Ordinal);
        Assert.Contains("x-max-priority", await RefusedAsync("policies", new Dictionary<string, object> { ["max-priority"] = 5 }), StringComparison.Ordinal);
        Assert.Contains("federation", await RefusedAsync("policies", new Dictionary<string, object> { ["federation-upstream-set"] = "all" }), StringComparison.Ordinal);
        Assert.Contains("streams", await RefusedAsync("policies", new Dictionary<string, object> { ["max-age"] = "1D" }), StringComparison.Ordinal);
        Assert.Contains("not a recognised", await RefusedAsync("policies", new Dictionary<string, object> { ["no-such-key"] = 1 }), StringComparison.Ordinal);
        Assert.Contains("integer", await RefusedAsync("policies", new Dictionary<string, object> { ["message-ttl"] = "soon" }), StringComparison.Ordinal);
        Assert.Contains("overflow", await RefusedAsync("policies", new Dictionary<string, object> { ["overflow"] = "drop-tail" }), StringComparison.Ordinal);
        Assert.Contains("empty", await RefusedAsync("policies", new Dictionary<string, object>()), StringComparison.Ordinal);
        Assert.Contains("classic queues only", await RefusedAsync("policies", new Dictionary<string, object> { ["max-length"] = 1 }, "quorum_queues"), StringComparison.Ordinal);
        Assert.Contains("regular expression", await RefusedAsync("policies", new Dictionary<string, object> { ["max-length"] = 1 }, pattern: "(["), StringComparison.Ordinal);
        Assert.Contains("operator policy", await RefusedAsync("operator-policies", new Dictionary<string, object> { ["dead-letter-exchange"] = "dlx" }), StringComparison.Ordinal);
        Assert.Empty((await api.GetAsync("api/policies")).AsArray());

        // What RabbitMQ 3.13's classic queues ignore too is accepted, and changes nothing.
        await api.PutAsync("api/policies/%2F/lazy", new Dictionary<string, object> { ["pattern"] = ".*", ["definition"] = new Dictionary<string, object> { ["queue-mode"] = "lazy", ["queue-version"] = 2 } });
    }

    [Fact]
    public async Task Policymakers_and_administrators_change_policies_and_management_users_read_those_of_their_vhosts()
    {
        await using var broker = await TestBroker.StartAsync();
        using var admin = new ManagementClient(broker);
        await admin.PutAsync("api/vhosts/team", new { });
        await admin.PutAsync("api/users/maker", new { password = "m", tags = "policymaker" });
        await admin.PutAsync("api/users/viewer", new { password = "v", tags = "management" });
        await admin.PutAsync("api/users/outsider", new { password = "o", tags = "management" });
        foreach (var user in new[] { "maker", "viewer" })
        {
            await admin.PutAsync($"api/permissions/team/{user}", new { configure = ".*", write = ".*", read = ".*" });
        }

        var body = new Dictionary<string, object> { ["pattern"] = ".*", ["definition"] = new Dictionary<string, object> { ["max-length"] = 5 } };
        using var maker = new ManagementClient(broker, "maker", "m");
        await maker.PutAsync("api/policies/team/by-maker", body);
        await maker.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Put, "api/operator-policies/team/op", body);
        await maker.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Put, "api/policies/%2F/elsewhere", body);

        using var viewer = new ManagementClient(broker, "viewer", "v");
        await viewer.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Put, "api/policies/team/by-viewer", body);
        await viewer.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Delete, "api/policies/team/by-maker");
        Assert.Equal("by-maker", Assert.Single((await viewer.GetAsync("api/policies")).AsArray())!["name"]!.GetValue<string>());
        await viewer.GetAsync("api/policies/team/by-maker");

        using var outsider = new ManagementClient(broker, "outsider", "o");
        Assert.Empty((await outsider.GetAsync("api/policies")).AsArray());
        await outsider.RefusedAsync(HttpStatusCode.Unauthorized, HttpMethod.Get, "api/policies/team");

        await admin.PutAsync("api/operator-policies/team/op", body);
        await maker.DeleteAsync("api/policies/team/by-maker");
    }

    [Fact]
    public async Task A_message_ttl_policy_expires_messages_arriving_in_an_existing_queue()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("ttl.q", durable: false, exclusive: false, autoDelete: false);
        await channel.ExchangeDeclareAsync("expired", ExchangeType.Fanout);
        await channel.QueueDeclareAsync("expired.q", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("expired.q", "expired", string.Empty);

        // The queue exists before the policy; the expired message is dead-lettered, which shows it expired.
        await api.PutAsync("api/policies/%2F/ttl", new Dictionary<string, object> { ["pattern"] = "^ttl\\.", ["definition"] = new Dictionary<string, object> { ["message-ttl"] = 20, ["dead-letter-exchange"] = "expired" }, ["apply-to"] = "queues" });
        await channel.BasicPublishAsync(string.Empty, "ttl.q", Encoding.UTF8.GetBytes("short-lived"));
        await Wait.UntilAsync(() => Queue(broker, "expired.q").MessageCount == 1, "the message to expire and be dead-lettered");
        Assert.Equal(0, Queue(broker, "ttl.q").MessageCount);
        var letter = await channel.BasicGetAsync("expired.q", autoAck: true);
        var death = (IList<object>)letter!.BasicProperties.Headers!["x-death"]!;
        Assert.Equal("expired", Encoding.UTF8.GetString((byte[])((IDictionary<string, object?>)death[0])["reason"]!));
        Assert.Equal(20, (await api.GetAsync("api/queues/%2F/ttl.q"))["effective_policy_definition"]!["message-ttl"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_max_length_drop_head_policy_trims_an_existing_queue_at_once()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("trim.q", durable: false, exclusive: false, autoDelete: false);
        await PublishAsync(channel, "trim.q", 5);
        await Wait.UntilAsync(() => Queue(broker, "trim.q").MessageCount == 5, "five messages");

        await api.PutAsync("api/policies/%2F/trim", new Dictionary<string, object> { ["pattern"] = "^trim\\.q$", ["definition"] = new Dictionary<string, object> { ["max-length"] = 2, ["overflow"] = "drop-head" } });
        Assert.Equal(2, Queue(broker, "trim.q").MessageCount);
        Assert.Equal("m3", await GetBodyAsync(channel, "trim.q"));
        Assert.Equal("m4", await GetBodyAsync(channel, "trim.q"));
    }

    [Fact]
    public async Task A_dead_letter_exchange_policy_dead_letters_rejected_messages()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dead", ExchangeType.Fanout);
        await channel.QueueDeclareAsync("dead.letters", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("dead.letters", "dead", string.Empty);
        await channel.QueueDeclareAsync("work", durable: false, exclusive: false, autoDelete: false);
        await api.PutAsync("api/policies/%2F/dlx", new Dictionary<string, object> { ["pattern"] = "^work$", ["definition"] = new Dictionary<string, object> { ["dead-letter-exchange"] = "dead" } });

        await PublishAsync(channel, "work", 1);
        await Wait.UntilAsync(() => Queue(broker, "work").MessageCount == 1, "the message");
        var got = await channel.BasicGetAsync("work", autoAck: false);
        await channel.BasicRejectAsync(got!.DeliveryTag, requeue: false);
        await Wait.UntilAsync(() => Queue(broker, "dead.letters").MessageCount == 1, "the rejected message to be dead-lettered");
        var letter = await channel.BasicGetAsync("dead.letters", autoAck: true);
        Assert.True(letter!.BasicProperties.Headers!.ContainsKey("x-death"));
    }

    [Fact]
    public async Task An_operator_policys_lower_max_length_wins_over_a_policys()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("capped", durable: false, exclusive: false, autoDelete: false);
        await api.PutAsync("api/policies/%2F/generous", new Dictionary<string, object> { ["pattern"] = ".*", ["definition"] = new Dictionary<string, object> { ["max-length"] = 5, ["message-ttl"] = 600000 } });
        await api.PutAsync("api/operator-policies/%2F/cap", new Dictionary<string, object> { ["pattern"] = ".*", ["definition"] = new Dictionary<string, object> { ["max-length"] = 2, ["message-ttl"] = 900000 }, ["apply-to"] = "queues" });

        await PublishAsync(channel, "capped", 4);
        await Wait.UntilAsync(() => Queue(broker, "capped").MessageCount == 2, "the operator policy's limit");
        var queue = await api.GetAsync("api/queues/%2F/capped");
        Assert.Equal("generous", queue["policy"]!.GetValue<string>());
        Assert.Equal("cap", queue["operator_policy"]!.GetValue<string>());
        Assert.Equal(2, queue["effective_policy_definition"]!["max-length"]!.GetValue<long>());
        Assert.Equal(600000, queue["effective_policy_definition"]!["message-ttl"]!.GetValue<long>());
        Assert.Equal("cap", Assert.Single((await api.GetAsync("api/operator-policies")).AsArray())!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_queues_own_lower_x_max_length_wins_over_a_policys_and_clearing_the_policy_restores_the_queues_own_limit()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("own", durable: false, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-max-length"] = 3 });

        // 1. The queue's own 3 is lower than the policy's 5: the queue's argument wins.
        await api.PutAsync("api/policies/%2F/five", new Dictionary<string, object> { ["pattern"] = "^own$", ["definition"] = new Dictionary<string, object> { ["max-length"] = 5 } });
        await PublishAsync(channel, "own", 6);
        await Wait.UntilAsync(() => Queue(broker, "own").MessageCount == 3, "the queue's own limit");

        // 2. A policy lower than the argument wins, as RabbitMQ takes the lower of the two.
        await api.PutAsync("api/policies/%2F/five", new Dictionary<string, object> { ["pattern"] = "^own$", ["definition"] = new Dictionary<string, object> { ["max-length"] = 1 } }, HttpStatusCode.NoContent);
        Assert.Equal(1, Queue(broker, "own").MessageCount);

        // 3. Cleared: the queue's own limit again.
        await api.DeleteAsync("api/policies/%2F/five");
        await PublishAsync(channel, "own", 6);
        await Wait.UntilAsync(() => Queue(broker, "own").MessageCount == 3, "the queue's own limit after the policy is cleared");
        Assert.Equal(3, Queue(broker, "own").Arguments.MaxLength);
    }

    [Fact]
    public async Task Only_the_highest_priority_policy_applies_and_definitions_are_not_merged()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/policies/%2F/low", new Dictionary<string, object> { ["pattern"] = ".*", ["priority"] = 0, ["definition"] = new Dictionary<string, object> { ["max-length"] = 1, ["message-ttl"] = 60000 } });
        await api.PutAsync("api/policies/%2F/high", new Dictionary<string, object> { ["pattern"] = "^jobs", ["priority"] = 5, ["definition"] = new Dictionary<string, object> { ["max-length"] = 3 } });
        await api.PutAsync("api/queues/%2F/jobs", new { durable = false });
        await api.PutAsync("api/queues/%2F/misc", new { durable = false });

        var jobs = await api.GetAsync("api/queues/%2F/jobs");
        Assert.Equal("high", jobs["policy"]!.GetValue<string>());
        Assert.Equal("{\"max-length\":3}", jobs["effective_policy_definition"]!.ToJsonString());
        Assert.Null(Queue(broker, "jobs").Arguments.MessageTtl);
        Assert.Equal("low", (await api.GetAsync("api/queues/%2F/misc"))["policy"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_alternate_exchange_policy_takes_what_an_exchange_cannot_route()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("orders", ExchangeType.Direct);
        await channel.ExchangeDeclareAsync("unrouted", ExchangeType.Fanout);
        await channel.QueueDeclareAsync("unrouted.q", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("unrouted.q", "unrouted", string.Empty);
        await api.PutAsync("api/policies/%2F/ae", new Dictionary<string, object> { ["pattern"] = "^orders$", ["apply-to"] = "exchanges", ["definition"] = new Dictionary<string, object> { ["alternate-exchange"] = "unrouted" } });

        await channel.BasicPublishAsync("orders", "nobody", Encoding.UTF8.GetBytes("lost?"));
        await Wait.UntilAsync(() => Queue(broker, "unrouted.q").MessageCount == 1, "the alternate exchange to take the message");
        var exchange = await api.GetAsync("api/exchanges/%2F/orders");
        Assert.Equal("ae", exchange["policy"]!.GetValue<string>());
        Assert.Null((await api.GetAsync("api/queues/%2F/unrouted.q"))["policy"]);
    }

    [Fact]
    public async Task A_policy_applies_to_an_MQTT_sessions_queue_like_any_other()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        var client = new MqttClientFactory().CreateMqttClient();
        var away = new MqttClients.Received(client);
        await client.ConnectAsync(MqttClients.Options(broker, MqttProtocolVersion.V311, "away").WithCleanSession(false).Build());
        await away.SubscribeAsync("capped/+");
        await away.DisposeAsync();

        await api.PutAsync("api/policies/%2F/mqtt-cap", new Dictionary<string, object> { ["pattern"] = "^mqtt-subscription-", ["definition"] = new Dictionary<string, object> { ["max-length"] = 2 } });
        await using (var publisher = await MqttClients.ConnectAsync(broker, MqttProtocolVersion.V311))
        {
            for (var i = 0; i < 5; i++)
            {
                await publisher.PublishAsync("capped/t", "m" + i);
            }
        }

        Assert.Equal(2, Queue(broker, "mqtt-subscription-awayqos1").MessageCount);
        Assert.Equal("mqtt-cap", (await api.GetAsync("api/queues/%2F/mqtt-subscription-awayqos1"))["policy"]!.GetValue<string>());
    }
}
