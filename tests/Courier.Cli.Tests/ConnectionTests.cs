using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.Cli.Tests;

/// <summary><c>close connection</c>: the client sees its connection closed with the reason given.</summary>
public sealed class ConnectionTests
{
    [Fact]
    public async Task Close_connection_closes_an_AMQP_client_with_the_reason()
    {
        await using var broker = await CtlBroker.StartAsync();
        await using var connection = await broker.ConnectAsync(name: "billing-worker");
        ShutdownEventArgs? shutdown = null;
        connection.ConnectionShutdownAsync += (_, e) =>
        {
            shutdown = e;
            return Task.CompletedTask;
        };
        var listed = JsonNode.Parse(await broker.OkAsync("list", "connections", "--json"))!.AsArray();
        string name = Assert.Single(listed, c => c!["client_properties"]?["connection_name"]?.GetValue<string>() == "billing-worker")!["name"]!.GetValue<string>();

        await broker.OkAsync("close", "connection", name, "--reason", "moving to the new cluster");

        await Wait.UntilAsync(() => shutdown is not null, "the client sees its connection closed");
        Assert.False(connection.IsOpen);
        Assert.Equal(320, shutdown!.ReplyCode);
        Assert.Contains("moving to the new cluster", shutdown.ReplyText, StringComparison.Ordinal);
        await Wait.UntilAsync(() => JsonNode.Parse(broker.OkAsync("list", "connections", "--json").GetAwaiter().GetResult())!.AsArray().Count == 0, "the connection leaves the list");
    }
}
