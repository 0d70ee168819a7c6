using System.CommandLine;
using System.Text.Json.Nodes;
using Courier.Cli.Api;
using Courier.Cli.Output;

namespace Courier.Cli.Commands;

/// <summary><c>publish</c> and <c>get</c>: messages through the API, for testing (as rabbitmqadmin's).</summary>
internal static class MessageCommands
{
    public static Command Publish(GlobalOptions global)
    {
        var exchange = new Option<string>("--exchange", "-e") { Description = "Exchange to publish to (default: the default exchange)", DefaultValueFactory = _ => string.Empty };
        var routingKey = new Option<string>("--routing-key", "-r") { Description = "Routing key (a queue's name for the default exchange)", Required = true };
        var payload = new Option<string>("--payload") { Description = "The message body (text)", Required = true };
        var properties = new Option<string?>("--properties") { Description = "Message properties as a JSON object, e.g. '{\"delivery_mode\":2}'" };
        return new Command("publish", "Publish a message (for testing)").With(exchange, routingKey, payload, properties).Runs(global, async (c, ct) =>
        {
            string name = c.Value(exchange).Length == 0 ? "amq.default" : c.Value(exchange);
            var body = new JsonObject
            {
                ["properties"] = ApiCommand.JsonObjectOption(c.Value(properties), "--properties"),
                ["routing_key"] = c.Value(routingKey),
                ["payload"] = c.Value(payload),
                ["payload_encoding"] = "string",
            };
            var answer = await c.Api.SendAsync(HttpMethod.Post, $"api/exchanges/{c.VirtualHost}/{ManagementApiClient.Segment(name)}/publish", body, ct).ConfigureAwait(false);
            bool routed = answer?["routed"]?.GetValue<bool>() ?? false;
            c.Done(routed ? "message published" : "message published but not routed", answer);
        });
    }

    public static Command Get(GlobalOptions global)
    {
        var queue = new Argument<string>("queue") { Description = "The queue to get from" };
        var count = new Option<int>("--count") { Description = "How many messages at most (default 1)", DefaultValueFactory = _ => 1 };
        var ackMode = new Option<string>("--ackmode") { Description = "ack_requeue_true (default: peek), ack_requeue_false (take), reject_requeue_true, reject_requeue_false", DefaultValueFactory = _ => "ack_requeue_true" };
        ackMode.AcceptOnlyFromAmong("ack_requeue_true", "ack_requeue_false", "reject_requeue_true", "reject_requeue_false");
        var encoding = new Option<string>("--encoding") { Description = "auto (text when it is UTF-8) or base64", DefaultValueFactory = _ => "auto" };
        encoding.AcceptOnlyFromAmong("auto", "base64");
        return new Command("get", "Get messages from a queue (for testing)").With(queue, count, ackMode, encoding).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject { ["count"] = c.Value(count), ["ackmode"] = c.Value(ackMode), ["encoding"] = c.Value(encoding) };
            var answer = await c.Api.SendAsync(HttpMethod.Post, $"api/queues/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(queue))}/get", body, ct).ConfigureAwait(false);
            if (c.Json)
            {
                c.WriteJson(answer);
                return;
            }

            TableWriter.Write(c.Output, ["routing_key", "exchange", "message_count", "redelivered", "payload_encoding", "payload"], answer as JsonArray ?? []);
        });
    }
}
