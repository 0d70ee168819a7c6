using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Xunit.Abstractions;

namespace Courier.IntegrationTests.Connections;

/// <summary>
/// Issue 13, finding 7: with publishers blocked by a resource alarm connected, SIGTERM must still
/// stop the broker process cleanly (their readers are paused, and the shutdown must reach them).
/// </summary>
public sealed class SigtermWithBlockedPublishersTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SIGTERM_stops_a_broker_process_with_blocked_publishers_connected_and_each_gets_connection_close_320()
    {
        await using var broker = await BrokerProcess.StartAsync(output.WriteLine, "--memory-high-watermark", "1000000");
        var publishers = new List<(IConnection Connection, TaskCompletionSource<ShutdownEventArgs> Closed)>();
        for (var p = 0; p < 3; p++)
        {
            var connection = await broker.ConnectAsync();
            var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
            connection.ConnectionBlockedAsync += (_, _) =>
            {
                blocked.TrySetResult();
                return Task.CompletedTask;
            };
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                closed.TrySetResult(e);
                return Task.CompletedTask;
            };
            var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync("held", durable: false, exclusive: false, autoDelete: false);
            var body = new byte[100_000];
            for (var i = 0; i < 30 && !blocked.Task.IsCompleted; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "held", body);
            }

            await Wait.ForAsync(blocked.Task, $"connection.blocked for publisher {p}");
            publishers.Add((connection, closed));
        }

        // StopGracefullyAsync fails the test unless the process exits with 0 within BrokerProcess.ExitTimeout.
        Assert.True(await broker.StopGracefullyAsync());
        foreach (var (connection, closed) in publishers)
        {
            var reason = await Wait.ForAsync(closed.Task, "the publisher's connection to be closed");
            Assert.Equal(320, reason.ReplyCode);
            connection.Dispose();
        }
    }
}
