using System.CommandLine;
using System.Text.Json.Nodes;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary><c>delete KIND</c>: the API's DELETE for each kind <c>declare</c> makes.</summary>
internal static class DeleteCommand
{
    public static Command Create(GlobalOptions global) =>
        new Command("delete", "Delete a queue, exchange, binding, user, vhost, permission or policy").With(
            Queue(global),
            Exchange(global),
            Binding(global),
            Simple(global, "user", "Delete a user", name => $"api/users/{name}"),
            Simple(global, "vhost", "Delete a virtual host (closing its connections and dropping its queues)", name => $"api/vhosts/{name}"),
            Simple(global, "permission", "Remove a user's permissions in --vhost", (name, vhost) => $"api/permissions/{vhost}/{name}", "user"),
            Simple(global, "policy", "Delete a policy in --vhost", (name, vhost) => $"api/policies/{vhost}/{name}"));

    private static Command Queue(GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "The queue's name" };
        var ifUnused = new Option<bool>("--if-unused") { Description = "Only if it has no consumers" };
        var ifEmpty = new Option<bool>("--if-empty") { Description = "Only if it holds no messages" };
        return new Command("queue", "Delete a queue in --vhost").With(name, ifUnused, ifEmpty).Runs(global, async (c, ct) =>
        {
            var conditions = new List<string>();
            if (c.Value(ifUnused))
            {
                conditions.Add("if-unused=true");
            }

            if (c.Value(ifEmpty))
            {
                conditions.Add("if-empty=true");
            }

            string path = $"api/queues/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}";
            await c.Api.SendAsync(HttpMethod.Delete, conditions.Count == 0 ? path : path + "?" + string.Join("&", conditions), null, ct).ConfigureAwait(false);
            c.Done($"queue deleted: {c.Value(name)}");
        });
    }

    private static Command Exchange(GlobalOptions global)
    {
        var name = new Argument<string>("name") { Description = "The exchange's name" };
        var ifUnused = new Option<bool>("--if-unused") { Description = "Only if nothing is bound to it" };
        return new Command("exchange", "Delete an exchange in --vhost").With(name, ifUnused).Runs(global, async (c, ct) =>
        {
            string path = $"api/exchanges/{c.VirtualHost}/{ManagementApiClient.Segment(c.Value(name))}";
            await c.Api.SendAsync(HttpMethod.Delete, c.Value(ifUnused) ? path + "?if-unused=true" : path, null, ct).ConfigureAwait(false);
            c.Done($"exchange deleted: {c.Value(name)}");
        });
    }

    /// <summary>
    /// A binding is addressed by its properties key; rather than make the user compute it, this
    /// lists the bindings between the two ends and deletes the one with the routing key given
    /// (or the properties key, when given).
    /// </summary>
    private static Command Binding(GlobalOptions global)
    {
        var (source, destination, destinationType) = DeclareCommand.BindingEnds();
        var routingKey = new Option<string>("--routing-key", "-r") { Description = "Routing key of the binding (default empty)", DefaultValueFactory = _ => string.Empty };
        var propertiesKey = new Option<string?>("--properties-key") { Description = "The binding's properties_key (as listed), for bindings with arguments" };
        return new Command("binding", "Delete a binding in --vhost").With(source, destination, destinationType, routingKey, propertiesKey).Runs(global, async (c, ct) =>
        {
            string path = DeclareCommand.BindingPath(c, source, destination, destinationType);
            string? key = c.Value(propertiesKey);
            if (key is null)
            {
                var bindings = await c.Api.GetAsync(path, ct).ConfigureAwait(false) as JsonArray ?? [];
                var matching = bindings.Where(b => b?["routing_key"]?.ToString() == c.Value(routingKey)).ToList();
                key = matching.Count switch
                {
                    0 => throw new ApiError(System.Net.HttpStatusCode.NotFound, $"no binding from {c.Value(source)} to {c.Value(destination)} with routing key '{c.Value(routingKey)}'"),
                    1 => matching[0]!["properties_key"]!.ToString(),
                    _ => throw new UsageError($"{matching.Count} bindings have routing key '{c.Value(routingKey)}' (with different arguments): name one with --properties-key"),
                };
            }

            // A properties key is already in its path form (the routing key percent-encoded, as the API lists it).
            await c.Api.SendAsync(HttpMethod.Delete, path + "/" + key, null, ct).ConfigureAwait(false);
            c.Done($"binding deleted: {c.Value(source)} -> {c.Value(destination)} ({key})");
        });
    }

    private static Command Simple(GlobalOptions global, string kind, string description, Func<string, string> path) =>
        Simple(global, kind, description, (name, _) => path(name));

    private static Command Simple(GlobalOptions global, string kind, string description, Func<string, string, string> path, string argument = "name")
    {
        var name = new Argument<string>(argument) { Description = $"The {kind}'s {argument}" };
        return new Command(kind, description).With(name).Runs(global, async (c, ct) =>
        {
            await c.Api.SendAsync(HttpMethod.Delete, path(ManagementApiClient.Segment(c.Value(name)), c.VirtualHost), null, ct).ConfigureAwait(false);
            c.Done($"{kind} deleted: {c.Value(name)}");
        });
    }
}
