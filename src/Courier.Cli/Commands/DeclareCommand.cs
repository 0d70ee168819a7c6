using System.CommandLine;
using System.Text.Json.Nodes;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary><c>declare KIND</c>: creates (or updates) a queue, exchange, binding, user, vhost, permission or policy with the API's PUT/POST.</summary>
internal static class DeclareCommand
{
    public static Command Create(GlobalOptions global) =>
        new Command("declare", "Declare a queue, exchange, binding, user, vhost, permission or policy")
            .With(Queue(global), Exchange(global), Binding(global), User(global), VirtualHost(global), Permission(global), Policy(global));

    private static Argument<string> Name(string what) => new("name") { Description = $"The {what}'s name" };

    private static Option<string?> Arguments() => new("--arguments") { Description = "Optional arguments as a JSON object, e.g. '{\"x-max-length\":1000}'" };

    private static Command Queue(GlobalOptions global)
    {
        var name = Name("queue");
        var durable = new Option<bool>("--durable") { Description = "Survives a restart (default true)", DefaultValueFactory = _ => true };
        var autoDelete = new Option<bool>("--auto-delete") { Description = "Deleted when its last consumer goes" };
        var type = new Option<string?>("--type") { Description = "Queue type (x-queue-type): classic" };
        var arguments = Arguments();
        return new Command("queue", "Declare a queue in --vhost").With(name, durable, autoDelete, type, arguments).Runs(global, async (c, ct) =>
        {
            var args = ApiCommand.JsonObjectOption(c.Value(arguments), "--arguments");
            if (c.Value(type) is { } queueType)
            {
                args["x-queue-type"] = queueType;
            }

            var body = new JsonObject { ["durable"] = c.Value(durable), ["auto_delete"] = c.Value(autoDelete), ["arguments"] = args };
            await c.Api.SendAsync(HttpMethod.Put, $"api/queues/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}", body, ct).ConfigureAwait(false);
            c.Done($"queue declared: {c.Value(name)}");
        });
    }

    private static Command Exchange(GlobalOptions global)
    {
        var name = Name("exchange");
        var type = new Option<string>("--type", "-t") { Description = "direct, fanout, topic, headers, or a plugin type", DefaultValueFactory = _ => "direct" };
        var durable = new Option<bool>("--durable") { Description = "Survives a restart (default true)", DefaultValueFactory = _ => true };
        var autoDelete = new Option<bool>("--auto-delete") { Description = "Deleted when its last binding goes" };
        var @internal = new Option<bool>("--internal") { Description = "Clients cannot publish to it" };
        var arguments = Arguments();
        return new Command("exchange", "Declare an exchange in --vhost").With(name, type, durable, autoDelete, @internal, arguments).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject
            {
                ["type"] = c.Value(type),
                ["durable"] = c.Value(durable),
                ["auto_delete"] = c.Value(autoDelete),
                ["internal"] = c.Value(@internal),
                ["arguments"] = ApiCommand.JsonObjectOption(c.Value(arguments), "--arguments"),
            };
            await c.Api.SendAsync(HttpMethod.Put, $"api/exchanges/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}", body, ct).ConfigureAwait(false);
            c.Done($"exchange declared: {c.Value(name)}");
        });
    }

    private static Command Binding(GlobalOptions global)
    {
        var (source, destination, destinationType) = BindingEnds();
        var routingKey = new Option<string>("--routing-key", "-r") { Description = "Routing key (default empty)", DefaultValueFactory = _ => string.Empty };
        var arguments = Arguments();
        return new Command("binding", "Bind a queue or an exchange to an exchange in --vhost").With(source, destination, destinationType, routingKey, arguments).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject { ["routing_key"] = c.Value(routingKey), ["arguments"] = ApiCommand.JsonObjectOption(c.Value(arguments), "--arguments") };
            await c.Api.SendAsync(HttpMethod.Post, BindingPath(c, source, destination, destinationType), body, ct).ConfigureAwait(false);
            c.Done($"binding declared: {c.Value(source)} -> {c.Value(destination)} ({c.Value(routingKey)})");
        });
    }

    /// <summary>The options naming a binding's two ends, shared with <c>delete binding</c>.</summary>
    internal static (Option<string> Source, Option<string> Destination, Option<string> DestinationType) BindingEnds()
    {
        var source = new Option<string>("--source", "-s") { Description = "Source exchange", Required = true };
        var destination = new Option<string>("--destination", "-d") { Description = "Destination queue or exchange", Required = true };
        var destinationType = new Option<string>("--destination-type") { Description = "queue or exchange", DefaultValueFactory = _ => "queue" };
        destinationType.AcceptOnlyFromAmong("queue", "exchange");
        return (source, destination, destinationType);
    }

    internal static string BindingPath(CommandContext c, Option<string> source, Option<string> destination, Option<string> destinationType) =>
        $"api/bindings/{c.VirtualHost}/e/{ManagementApiClient.Segment(c.Value(source))}/{(c.Value(destinationType) == "exchange" ? "e" : "q")}/{ManagementApiClient.Segment(c.Value(destination))}";

    private static Command User(GlobalOptions global)
    {
        var name = Name("user");
        var password = new Option<string?>("--new-password") { Description = "The user's password" };
        var hash = new Option<string?>("--password-hash") { Description = "A rabbit_password_hashing_sha256 hash instead of a password (as in a definitions file)" };
        var tags = new Option<string>("--tags") { Description = "Comma-separated tags: administrator, monitoring, management, policymaker", DefaultValueFactory = _ => string.Empty };
        return new Command("user", "Declare a user (or change its password and tags)").With(name, password, hash, tags).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject { ["tags"] = c.Value(tags) };
            if (c.Value(password) is { } secret)
            {
                body["password"] = secret;
            }
            else if (c.Value(hash) is { } passwordHash)
            {
                body["password_hash"] = passwordHash;
                body["hashing_algorithm"] = "rabbit_password_hashing_sha256";
            }
            else
            {
                throw new UsageError("declare user needs --new-password or --password-hash");
            }

            await c.Api.SendAsync(HttpMethod.Put, $"api/users/{ManagementApiClient.Segment(c.Value(name))}", body, ct).ConfigureAwait(false);
            c.Done($"user declared: {c.Value(name)}");
        });
    }

    private static Command VirtualHost(GlobalOptions global)
    {
        var name = Name("vhost");
        var description = new Option<string?>("--description") { Description = "What the vhost is for" };
        return new Command("vhost", "Declare a virtual host").With(name, description).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject();
            if (c.Value(description) is { } text)
            {
                body["description"] = text;
            }

            await c.Api.SendAsync(HttpMethod.Put, $"api/vhosts/{ManagementApiClient.Segment(c.Value(name))}", body, ct).ConfigureAwait(false);
            c.Done($"vhost declared: {c.Value(name)}");
        });
    }

    private static Command Permission(GlobalOptions global)
    {
        var user = new Argument<string>("user") { Description = "The user given permissions in --vhost" };
        var configure = new Option<string>("--configure") { Description = "Regex of the resources it may configure", Required = true };
        var write = new Option<string>("--write") { Description = "Regex of the resources it may write to", Required = true };
        var read = new Option<string>("--read") { Description = "Regex of the resources it may read from", Required = true };
        return new Command("permission", "Set a user's permissions in --vhost").With(user, configure, write, read).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject { ["configure"] = c.Value(configure), ["write"] = c.Value(write), ["read"] = c.Value(read) };
            await c.Api.SendAsync(HttpMethod.Put, $"api/permissions/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(user))}", body, ct).ConfigureAwait(false);
            c.Done($"permissions set: {c.Value(user)} in {c.Api.Settings.VirtualHost}");
        });
    }

    private static Command Policy(GlobalOptions global)
    {
        var name = Name("policy");
        var pattern = new Option<string>("--pattern") { Description = "Regex of the queue or exchange names it applies to", Required = true };
        var definition = new Option<string>("--definition") { Description = "Its keys as a JSON object, e.g. '{\"max-length\":1000}'", Required = true };
        var priority = new Option<int>("--priority") { Description = "The highest-priority matching policy applies (default 0)" };
        var applyTo = new Option<string>("--apply-to") { Description = "queues, exchanges or all", DefaultValueFactory = _ => "all" };
        return new Command("policy", "Set a policy in --vhost").With(name, pattern, definition, priority, applyTo).Runs(global, async (c, ct) =>
        {
            var body = new JsonObject
            {
                ["pattern"] = c.Value(pattern),
                ["definition"] = ApiCommand.JsonObjectOption(c.Value(definition), "--definition"),
                ["priority"] = c.Value(priority),
                ["apply-to"] = c.Value(applyTo),
            };
            await c.Api.SendAsync(HttpMethod.Put, $"api/policies/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}", body, ct).ConfigureAwait(false);
            c.Done($"policy set: {c.Value(name)}");
        });
    }
}
