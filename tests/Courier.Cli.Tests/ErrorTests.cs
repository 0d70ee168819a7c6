using System.Net;
using System.Net.Sockets;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>Failures exit non-zero with the API's reason on stderr and nothing on stdout.</summary>
public sealed class ErrorTests
{
    [Fact]
    public async Task An_unknown_queue_is_a_404_with_the_APIs_reason()
    {
        await using var broker = await CtlBroker.StartAsync();

        var result = await broker.RunAsync("delete", "queue", "no-such-queue");

        Assert.Equal(1, result.Exit);
        Assert.StartsWith("courierctl: 404 NotFound: ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_wrong_password_is_a_401()
    {
        await using var broker = await CtlBroker.StartAsync();

        var result = await broker.RunAsync("--password", "wrong", "list", "queues");

        Assert.Equal(1, result.Exit);
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
        Assert.Contains("Login failed", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_the_API_refuses_is_a_400_with_its_reason()
    {
        await using var broker = await CtlBroker.StartAsync();
        await broker.OkAsync("declare", "queue", "orders", "--arguments", """{"x-max-length":10}""");

        var result = await broker.RunAsync("declare", "queue", "orders", "--arguments", """{"x-max-length":20}""");

        Assert.Equal(1, result.Exit);
        Assert.StartsWith("courierctl: 400 BadRequest: ", result.Error, StringComparison.Ordinal);
        Assert.Contains("x-max-length", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_JSON_is_refused_before_calling_the_API()
    {
        await using var broker = await CtlBroker.StartAsync();

        var result = await broker.RunAsync("declare", "queue", "orders", "--arguments", "{not json");

        Assert.Equal(64, result.Exit);
        Assert.Contains("--arguments is not valid JSON", result.Error, StringComparison.Ordinal);
        Assert.Equal(-1, broker.MessagesIn("orders"));
    }

    [Fact]
    public async Task A_broker_that_is_not_there_is_exit_code_69()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var output = new StringWriter();
        using var error = new StringWriter();

        int exit = await CourierCtl.RunAsync(["--url", $"http://127.0.0.1:{port}", "status"], output, error, new Dictionary<string, string?>());

        Assert.Equal(69, exit);
        Assert.Contains("cannot reach", error.ToString(), StringComparison.Ordinal);
    }
}
