using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;
using RabbitMQ.Client;

namespace Courier.Cli.Tests;

/// <summary><c>export</c> from one broker and <c>import</c> into another.</summary>
public sealed class DefinitionsTests
{
    [Fact]
    public async Task Definitions_exported_from_one_broker_import_into_a_second_and_its_clients_work_there()
    {
        string file = Path.Combine(Path.GetTempPath(), $"courierctl-{Guid.NewGuid():N}.json");
        try
        {
            await using (var source = await CtlBroker.StartAsync())
            {
                await source.OkAsync("declare", "vhost", "shop");
                await source.OkAsync("declare", "user", "alice", "--new-password", "wonder", "--tags", "management");
                await source.OkAsync("--vhost", "shop", "declare", "permission", "alice", "--configure", ".*", "--write", ".*", "--read", ".*");
                await source.OkAsync("--vhost", "shop", "declare", "permission", "guest", "--configure", ".*", "--write", ".*", "--read", ".*");
                await source.OkAsync("--vhost", "shop", "declare", "exchange", "orders-in", "--type", "fanout");
                await source.OkAsync("--vhost", "shop", "declare", "queue", "orders", "--arguments", """{"x-max-length":50}""");
                await source.OkAsync("--vhost", "shop", "declare", "binding", "--source", "orders-in", "--destination", "orders");

                string said = await source.OkAsync("export", file);
                Assert.StartsWith($"definitions exported to {file}", said, StringComparison.Ordinal);
            }

            var exported = JsonNode.Parse(await File.ReadAllTextAsync(file))!;
            Assert.Contains(exported["queues"]!.AsArray(), q => q!["name"]!.GetValue<string>() == "orders");

            await using var target = await CtlBroker.StartAsync();
            await target.OkAsync("import", file);

            var queues = JsonNode.Parse(await target.OkAsync("--vhost", "shop", "list", "queues", "--json"))!.AsArray();
            Assert.Equal(50, Assert.Single(queues)!["arguments"]!["x-max-length"]!.GetValue<int>());
            await using var connection = await target.ConnectAsync("alice", "wonder", "shop");
            await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
            await channel.BasicPublishAsync("orders-in", string.Empty, "routed by the imported binding"u8.ToArray());
            Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("orders")).MessageCount);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
