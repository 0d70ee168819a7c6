using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.Cli.Tests;

/// <summary><c>list</c> and <c>status</c>: tables of RabbitMQ's field names, and the API's JSON with <c>--json</c>.</summary>
public sealed class ListTests
{
    [Fact]
    public async Task List_queues_shows_the_chosen_columns_as_an_aligned_table()
    {
        await using var broker = await CtlBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("orders", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("invoices-archive", durable: false, exclusive: false, autoDelete: false);
        await channel.BasicPublishAsync(string.Empty, "orders", "one"u8.ToArray());
        await channel.BasicPublishAsync(string.Empty, "orders", "two"u8.ToArray());

        var result = await broker.RunAsync("list", "queues", "--columns", "name,messages,durable");

        Assert.Equal(0, result.Exit);
        Assert.Equal(["name", "messages", "durable"], result.Rows[0]);
        Assert.Equal(["invoices-archive", "0", "false"], result.Rows[1]);
        Assert.Equal(["orders", "2", "true"], result.Rows[2]);
        var lines = result.Output.Split('\n');
        Assert.Equal(lines[0].IndexOf("messages", StringComparison.Ordinal), lines[2].IndexOf('2', StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_with_json_prints_the_APIs_objects_with_only_the_chosen_columns()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "queue", "orders", "--arguments", """{"x-max-length":10}""");

        var json = JsonNode.Parse(await broker.OkAsync("list", "queues", "--columns", "name,arguments", "--json"))!.AsArray();

        var queue = Assert.Single(json)!.AsObject();
        Assert.Equal(["name", "arguments"], queue.Select(p => p.Key));
        Assert.Equal(10, queue["arguments"]!["x-max-length"]!.GetValue<int>());
    }

    [Fact]
    public async Task Queues_are_listed_a_page_at_a_time_filtered_and_sorted_by_the_API()
    {
        await using var broker = await CtlBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (int i = 1; i <= 5; i++)
        {
            await channel.QueueDeclareAsync($"q{i}", durable: false, exclusive: false, autoDelete: false);
            for (int m = 0; m < i; m++)
            {
                await channel.BasicPublishAsync(string.Empty, $"q{i}", "x"u8.ToArray());
            }
        }

        await channel.QueueDeclareAsync("other", durable: false, exclusive: false, autoDelete: false);
        await Wait.UntilAsync(() => broker.MessagesIn("q5") == 5, "q5 holds its messages");

        var page = await broker.RunAsync("list", "queues", "--filter", "q", "--sort", "messages", "--sort-reverse", "--page", "2", "--page-size", "2", "--columns", "name,messages");

        Assert.Equal(0, page.Exit);
        Assert.Equal(["name", "messages"], page.Rows[0]);
        Assert.Equal(["q3", "3"], page.Rows[1]);
        Assert.Equal(["q2", "2"], page.Rows[2]);
        Assert.Equal("page 2 of 3 (5 matching, 6 in all)", page.Output.Split('\n')[3].Trim());

        var json = JsonNode.Parse(await broker.OkAsync("list", "queues", "--page", "1", "--json"))!;
        Assert.Equal(6, json["total_count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Lists_cover_exchanges_bindings_connections_channels_consumers_users_vhosts_and_permissions()
    {
        await using var broker = await CtlBroker.StartAsync();
        await using var connection = await broker.ConnectAsync(name: "watcher");
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("jobs", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("jobs", "amq.direct", "work");
        await channel.BasicConsumeAsync("jobs", autoAck: false, new AsyncEventingBasicConsumer(channel));

        Assert.Contains(["amq.direct", "direct", "true", "false", "false"], (await broker.RunAsync("list", "exchanges")).Rows);
        Assert.Contains((await broker.RunAsync("list", "bindings", "--columns", "source,destination,routing_key")).Rows, r => r.SequenceEqual(["amq.direct", "jobs", "work"]));
        Assert.Contains("guest", (await broker.RunAsync("list", "connections", "--columns", "user,vhost")).Output, StringComparison.Ordinal);
        Assert.Contains((await broker.RunAsync("list", "channels", "--columns", "consumer_count")).Rows, r => r.SequenceEqual(["1"]));
        Assert.Contains((await broker.RunAsync("list", "consumers", "--columns", "queue.name,ack_required")).Rows, r => r.SequenceEqual(["jobs", "true"]));
        Assert.Contains((await broker.RunAsync("list", "users")).Rows, r => r[0] == "guest" && r[1] == "administrator");
        Assert.Contains((await broker.RunAsync("list", "vhosts", "--columns", "name")).Rows, r => r.SequenceEqual(["/"]));
        Assert.Contains((await broker.RunAsync("list", "permissions")).Rows, r => r.SequenceEqual(["guest", "/", ".*", ".*", ".*"]));
        Assert.Equal(["vhost", "name"], (await broker.RunAsync("list", "queues", "--all-vhosts", "--columns", "vhost,name")).Rows[0]);
    }

    [Fact]
    public async Task Status_shows_the_node_its_listeners_and_totals()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "queue", "orders");

        var status = await broker.RunAsync("status");

        Assert.Equal(0, status.Exit);
        Assert.Contains(status.Rows, r => r.SequenceEqual(["queues:", "1"]));
        Assert.Contains(status.Rows, r => r.SequenceEqual(["alarms:", "none"]));
        Assert.Contains(status.Rows, r => r.SequenceEqual(["amqp", "127.0.0.1", broker.Host.AmqpEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        var json = JsonNode.Parse(await broker.OkAsync("status", "--json"))!;
        Assert.Equal(1, json["overview"]!["object_totals"]!["queues"]!.GetValue<int>());
        Assert.Empty(json["alarms"]!.AsArray());
    }
}
