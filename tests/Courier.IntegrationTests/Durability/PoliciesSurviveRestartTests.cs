using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Policies and operator policies are definitions: after a clean stop (SIGTERM) or a SIGKILL of a
/// real broker process they are back, and they apply to the recovered queues and exchanges from
/// the start, before any message is published again.
/// </summary>
public sealed class PoliciesSurviveRestartTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("SIGTERM")]
    [InlineData("SIGKILL")]
    public async Task Policies_and_operator_policies_survive_a_restart_and_apply_to_recovered_queues(string stop)
    {
        // 1. A node with a durable queue and exchange, a policy, an operator policy and an exchange policy.
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine);
        using (var api = Api(broker))
        {
            await ExpectAsync(api, HttpMethod.Put, "api/queues/%2F/kept", new JsonObject { ["durable"] = true }, HttpStatusCode.Created);
            await ExpectAsync(api, HttpMethod.Put, "api/exchanges/%2F/kept.x", new JsonObject { ["type"] = "direct", ["durable"] = true }, HttpStatusCode.Created);
            await ExpectAsync(api, HttpMethod.Put, "api/policies/%2F/cap", Policy("^kept$", "queues", new JsonObject { ["max-length"] = 5, ["overflow"] = "drop-head" }), HttpStatusCode.Created);
            await ExpectAsync(api, HttpMethod.Put, "api/operator-policies/%2F/op-cap", Policy("^kept", "queues", new JsonObject { ["max-length"] = 2 }), HttpStatusCode.Created);
            await ExpectAsync(api, HttpMethod.Put, "api/policies/%2F/ae", Policy("^kept\\.x$", "exchanges", new JsonObject { ["alternate-exchange"] = "amq.fanout" }), HttpStatusCode.Created);
        }

        await PublishPersistentAsync(broker, 3);
        Assert.Equal(2u, await MessageCountAsync(broker));

        // 2. Stop it as the test says, and start it again on the same data directory.
        if (stop == "SIGKILL")
        {
            await broker.KillAsync();
        }
        else
        {
            await broker.StopGracefullyAsync();
        }

        await broker.RestartAsync();

        // 3. The policies are back, shown on the queue and exchange, and the queue keeps the lower limit.
        using (var api = Api(broker))
        {
            Assert.Equal("cap", (await GetAsync(api, "api/policies/%2F/cap"))["name"]!.GetValue<string>());
            Assert.Equal(2, (await GetAsync(api, "api/operator-policies/%2F/op-cap"))["definition"]!["max-length"]!.GetValue<long>());
            var queue = await GetAsync(api, "api/queues/%2F/kept");
            Assert.Equal("cap", queue["policy"]!.GetValue<string>());
            Assert.Equal("op-cap", queue["operator_policy"]!.GetValue<string>());
            Assert.Equal("ae", (await GetAsync(api, "api/exchanges/%2F/kept.x"))["policy"]!.GetValue<string>());
        }

        Assert.Equal(2u, await MessageCountAsync(broker));
        await PublishPersistentAsync(broker, 3);
        Assert.Equal(2u, await MessageCountAsync(broker));
        broker.AssertNoErrorsLogged();
    }

    private static JsonObject Policy(string pattern, string applyTo, JsonObject definition) =>
        new() { ["pattern"] = pattern, ["apply-to"] = applyTo, ["definition"] = definition };

    private static HttpClient Api(BrokerProcess broker)
    {
        var line = broker.RunLinesContaining("Listening for HTTP management API on").Last();
        var port = int.Parse(line[(line.LastIndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
        return http;
    }

    private static async Task ExpectAsync(HttpClient api, HttpMethod method, string path, JsonObject body, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        using var response = await api.SendAsync(request);
        Assert.True(status == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonNode> GetAsync(HttpClient api, string path) => JsonNode.Parse(await api.GetStringAsync(path))!;

    private static async Task PublishPersistentAsync(BrokerProcess broker, int count)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        for (var i = 0; i < count; i++)
        {
            await channel.BasicPublishAsync(string.Empty, "kept", mandatory: false, new BasicProperties { Persistent = true }, Encoding.UTF8.GetBytes($"m{i}"));
        }
    }

    private static async Task<uint> MessageCountAsync(BrokerProcess broker)
    {
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync("kept")).MessageCount;
    }
}
