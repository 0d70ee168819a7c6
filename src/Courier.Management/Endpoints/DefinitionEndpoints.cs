using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/definitions</c>: export and import of users, vhosts, permissions, policies, exchanges,
/// queues, and bindings in RabbitMQ's definitions format, whole or for one vhost. Users carry their
/// password hash in RabbitMQ's <c>rabbit_password_hashing_sha256</c> form, so a file exported from
/// RabbitMQ imports as is and its users log in with the same passwords.
/// </summary>
/// <remarks>
/// An import checks the whole file first (sections and fields Courier does not implement are
/// refused, naming them) and then applies it in dependency order; a refusal from the core
/// half-way (an inequivalent redeclaration, say) leaves what was applied before it.
/// </remarks>
internal static class DefinitionEndpoints
{
    private static readonly string[] IgnoredGlobalParameters = ["internal_cluster_id", "cluster_name"];

    public static void Map(ApiRouter api)
    {
        api.Get("/api/definitions", AccessLevel.Administrator, r => r.WriteAsync(Export(r, null)));
        api.Get("/api/definitions/{vhost}", AccessLevel.Administrator, r => r.WriteAsync(Export(r, r.VirtualHost())));
        api.Post("/api/definitions", AccessLevel.Administrator, r => ImportAsync(r, null));
        api.Post("/api/definitions/{vhost}", AccessLevel.Administrator, r => ImportAsync(r, r.VirtualHost()));
    }

    private static JsonObject Export(ApiRequest r, VirtualHost? only)
    {
        var broker = r.Broker;
        var json = new JsonObject
        {
            ["rabbit_version"] = r.Node.ProductVersion,
            ["rabbitmq_version"] = r.Node.ProductVersion,
            ["product_name"] = "Courier",
            ["product_version"] = r.Node.ProductVersion,
        };
        if (only is null)
        {
            json["users"] = new JsonArray([.. broker.Users.Users.Select(u => (JsonNode)ModelJson.User(u, broker.Limits.OfUser(u.Name)))]);
            json["vhosts"] = new JsonArray([.. broker.VirtualHosts.Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["description"] = v.Description })]);
            json["permissions"] = new JsonArray([.. broker.Users.Permissions.Select(p => (JsonNode)ModelJson.Permission(p.User, p.VirtualHost, p.Permission))]);
            json["topic_permissions"] = new JsonArray([.. broker.Users.TopicPermissions.Select(p => (JsonNode)ModelJson.TopicPermission(p.User, p.VirtualHost, p.Permission))]);
            json["global_parameters"] = new JsonArray();
        }

        var vhosts = only is null ? broker.VirtualHosts : [only];
        var withVhost = only is null;
        // RabbitMQ keeps the vhost of a parameter even in one vhost's export.
        json["parameters"] = new JsonArray([.. LimitEndpoints.ExportParameters(broker, vhosts.Select(v => v.Name))]);
        json["policies"] = new JsonArray([.. vhosts.SelectMany(v => v.GetPolicies(operatorPolicies: false).Select(p => (JsonNode)Entry(PolicyEndpoints.ToJson(p, v.Name), withVhost)))]);
        json["queues"] = new JsonArray([.. vhosts.SelectMany(v => v.Queues.Where(Exported).Select(q => (JsonNode)Entry(new JsonObject
        {
            ["name"] = q.Name,
            ["vhost"] = q.VirtualHost,
            ["durable"] = q.Durable,
            ["auto_delete"] = q.AutoDelete,
            ["arguments"] = FieldValues.ToJson(q.Definition.Arguments),
        }, withVhost)))]);
        json["exchanges"] = new JsonArray([.. vhosts.SelectMany(v => v.Exchanges.Where(Exported).Select(e => (JsonNode)Entry(new JsonObject
        {
            ["name"] = e.Name,
            ["vhost"] = v.Name,
            ["type"] = e.Type,
            ["durable"] = e.Durable,
            ["auto_delete"] = e.AutoDelete,
            ["internal"] = e.Internal,
            ["arguments"] = FieldValues.ToJson(e.Arguments),
        }, withVhost)))]);
        json["bindings"] = new JsonArray([.. vhosts.SelectMany(v => v.GetBindings().Where(Exported).Select(b => (JsonNode)Entry(Without(ModelJson.Binding(b, v.Name), "properties_key"), withVhost)))]);
        return json;
    }

    private static bool Exported(IQueue queue) => queue.Durable && !queue.Exclusive;

    private static bool Exported(Exchange exchange) =>
        exchange.Durable && exchange.Name.Length > 0 && !exchange.Name.StartsWith("amq.", StringComparison.Ordinal);

    private static bool Exported(Binding binding) =>
        Exported(binding.Source) && binding.Destination switch
        {
            IQueue queue => Exported(queue),
            Exchange exchange => Exported(exchange),
            _ => false,
        };

    private static JsonObject Entry(JsonObject entry, bool withVhost) => withVhost ? entry : Without(entry, "vhost");

    private static JsonObject Without(JsonObject json, string field)
    {
        json.Remove(field);
        return json;
    }

    private static async Task ImportAsync(ApiRequest r, VirtualHost? only)
    {
        var body = await r.BodyAsync().ConfigureAwait(false);
        var file = DefinitionsFile.Read(body, only is null);
        Apply(r.Broker, file, only);
        r.NoContent();
    }

    private static void Apply(Broker broker, DefinitionsFile file, VirtualHost? only)
    {
        foreach (var user in file.Users)
        {
            var name = FieldValues.String(user, "name") ?? throw ApiException.BadRequest("a user without a name");
            broker.AddUser(UserEndpoints.Build(broker.Users, name, user));
            LimitEndpoints.ApplyUser(broker, name, user);
        }

        foreach (var vhost in file.VirtualHosts)
        {
            VirtualHostEndpoints.Apply(broker, FieldValues.String(vhost, "name") ?? throw ApiException.BadRequest("a vhost without a name"), vhost, out _);
        }

        foreach (var permission in file.Permissions)
        {
            var (user, vhost) = UserAndVirtualHost(broker, permission);
            broker.SetPermission(user, vhost, UserEndpoints.BuildPermission(broker.Users, user, permission));
        }

        foreach (var permission in file.TopicPermissions)
        {
            var (user, vhost) = UserAndVirtualHost(broker, permission);
            broker.SetTopicPermission(user, vhost, UserEndpoints.BuildTopicPermission(broker.Users, user, permission));
        }

        foreach (var parameter in file.Parameters)
        {
            LimitEndpoints.ImportParameter(broker, parameter, only?.Name);
        }

        foreach (var policy in file.Policies)
        {
            PolicyEndpoints.Set(Target(broker, policy, only), PolicyName(policy), policy, operatorPolicy: false);
        }

        foreach (var exchange in file.Exchanges)
        {
            ExchangeEndpoints.Declare(Target(broker, exchange, only), FieldValues.String(exchange, "name") ?? string.Empty, exchange);
        }

        foreach (var queue in file.Queues)
        {
            QueueEndpoints.Declare(Target(broker, queue, only), FieldValues.String(queue, "name") ?? string.Empty, queue);
        }

        foreach (var binding in file.Bindings)
        {
            var type = FieldValues.String(binding, "destination_type");
            if (type is not ("queue" or "exchange"))
            {
                throw ApiException.BadRequest($"destination_type must be queue or exchange, not '{type}'");
            }

            BindingEndpoints.Bind(
                Target(broker, binding, only),
                FieldValues.String(binding, "source") ?? string.Empty,
                FieldValues.String(binding, "destination") ?? string.Empty,
                type == "queue",
                binding);
        }
    }

    private static string PolicyName(JsonObject policy) => FieldValues.String(policy, "name") ?? throw ApiException.BadRequest("a policy without a name");

    private static (string User, string VirtualHost) UserAndVirtualHost(Broker broker, JsonObject entry)
    {
        var user = FieldValues.String(entry, "user") ?? throw ApiException.BadRequest("a permission without a user");
        var vhost = FieldValues.String(entry, "vhost") ?? throw ApiException.BadRequest("a permission without a vhost");
        return broker.TryGetVirtualHost(vhost, out _) ? (user, vhost) : throw ApiException.BadRequest($"no vhost '{vhost}'");
    }

    private static VirtualHost Target(Broker broker, JsonObject entry, VirtualHost? only)
    {
        if (only is not null)
        {
            return only;
        }

        var name = FieldValues.String(entry, "vhost") ?? throw ApiException.BadRequest("an entry without a vhost");
        return broker.TryGetVirtualHost(name, out var virtualHost) ? virtualHost : throw ApiException.BadRequest($"no vhost '{name}'");
    }

    /// <summary>The sections of a definitions file, checked before anything is applied.</summary>
    private sealed record DefinitionsFile(
        List<JsonObject> Users,
        List<JsonObject> VirtualHosts,
        List<JsonObject> Permissions,
        List<JsonObject> TopicPermissions,
        List<JsonObject> Parameters,
        List<JsonObject> Exchanges,
        List<JsonObject> Queues,
        List<JsonObject> Bindings,
        List<JsonObject> Policies)
    {
        public static DefinitionsFile Read(JsonObject body, bool wholeNode)
        {
            string[] known = ["rabbit_version", "rabbitmq_version", "product_name", "product_version", "users", "vhosts", "permissions", "topic_permissions", "parameters", "global_parameters", "policies", "queues", "exchanges", "bindings"];
            FieldValues.OnlyKnown(body, known);
            if (!wholeNode)
            {
                foreach (var nodeWide in new[] { "users", "vhosts", "permissions", "topic_permissions", "global_parameters" })
                {
                    if (Section(body, nodeWide).Count > 0)
                    {
                        throw ApiException.BadRequest($"{nodeWide} cannot be imported into one vhost; import them with POST /api/definitions");
                    }
                }
            }

            foreach (var parameter in Section(body, "parameters"))
            {
                LimitEndpoints.CheckParameter(parameter);
            }

            // Policies are checked before anything is applied, like the rest of the file.
            foreach (var policy in Section(body, "policies"))
            {
                PolicyEndpoints.Parse(PolicyName(policy), policy, operatorPolicy: false);
            }

            foreach (var parameter in Section(body, "global_parameters"))
            {
                if (Array.IndexOf(IgnoredGlobalParameters, FieldValues.String(parameter, "name")) < 0)
                {
                    throw ApiException.BadRequest($"global parameter '{FieldValues.String(parameter, "name")}' is not implemented by Courier");
                }
            }

            return new DefinitionsFile(
                Section(body, "users"),
                Section(body, "vhosts"),
                Section(body, "permissions"),
                Section(body, "topic_permissions"),
                Section(body, "parameters"),
                Section(body, "exchanges"),
                Section(body, "queues"),
                Section(body, "bindings"),
                Section(body, "policies"));
        }

        private static List<JsonObject> Section(JsonObject body, string name) => body[name] switch
        {
            null => [],
            JsonArray array => [.. array.Select(e => e as JsonObject ?? throw ApiException.BadRequest($"every entry of {name} must be an object"))],
            _ => throw ApiException.BadRequest($"{name} must be an array"),
        };
    }
}
