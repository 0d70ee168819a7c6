using System.CommandLine;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary><c>purge queue</c> and <c>close connection</c>: the two commands that act on live objects.</summary>
internal static class OperateCommands
{
    public static Command Purge(GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "The queue's name" };
        var queue = new Command("queue", "Drop a queue's ready messages").With(name).Runs(global, async (c, ct) =>
        {
            await c.Api.SendAsync(HttpMethod.Delete, $"api/queues/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}/contents", null, ct).ConfigureAwait(false);
            c.Done($"queue purged: {c.Value(name)}");
        });
        return new Command("purge", "Purge a queue").With(queue);
    }

    public static Command Close(GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "The connection's name, as `list connections` shows it" };
        var reason = new Option<string>("--reason") { Description = "Told to the client (AMQP connection.close text)", DefaultValueFactory = _ => "Closed via courierctl" };
        var connection = new Command("connection", "Close a client connection").With(name, reason).Runs(global, async (c, ct) =>
        {
            await c.Api.SendAsync(HttpMethod.Delete, $"api/connections/{ManagementApiClient.Segment(c.Value(name))}", null, ct, c.Value(reason)).ConfigureAwait(false);
            c.Done($"connection closed: {c.Value(name)}");
        });
        return new Command("close", "Close a connection").With(connection);
    }
}
