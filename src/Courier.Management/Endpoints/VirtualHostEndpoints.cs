using System.Text.Json.Nodes;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary><c>/api/vhosts</c>: list, show, create and delete vhosts, and the permissions in one.</summary>
internal static class VirtualHostEndpoints
{
    private static readonly Dictionary<string, Func<VirtualHost, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = v => v.Name,
    };

    public static void Map(ApiRouter api)
    {
        api.Get("/api/vhosts", AccessLevel.Management, r => ListQuery.From(r).WriteAsync(r, r.VisibleVirtualHosts(), v => v.Name, v => ModelJson.VirtualHost(v, r.Node.Name, r.Node.Rates), SortKeys));
        api.Get("/api/vhosts/{vhost}", AccessLevel.Management, r => r.WriteAsync(ModelJson.VirtualHost(r.VirtualHost(), r.Node.Name, r.Node.Rates)));
        api.Put("/api/vhosts/{vhost}", AccessLevel.Administrator, PutAsync);
        api.Delete("/api/vhosts/{vhost}", AccessLevel.Administrator, r =>
        {
            if (!r.Broker.DeleteVirtualHost(r["vhost"]))
            {
                throw ApiException.NotFound();
            }

            r.NoContent();
            return Task.CompletedTask;
        });
        api.Get("/api/vhosts/{vhost}/permissions", AccessLevel.Administrator, r =>
        {
            var name = r.VirtualHost().Name;
            return r.WriteAsync(new JsonArray([.. r.Broker.Users.Permissions.Where(p => p.VirtualHost == name).Select(p => (JsonNode)ModelJson.Permission(p.User, p.VirtualHost, p.Permission))]));
        });
        api.Get("/api/vhosts/{vhost}/topic-permissions", AccessLevel.Administrator, r =>
        {
            var name = r.VirtualHost().Name;
            return r.WriteAsync(new JsonArray([.. r.Broker.Users.TopicPermissions.Where(p => p.VirtualHost == name).Select(p => (JsonNode)ModelJson.TopicPermission(p.User, p.VirtualHost, p.Permission))]));
        });
    }

    private static async Task PutAsync(ApiRequest r)
    {
        var body = await r.BodyAsync().ConfigureAwait(false);
        Apply(r.Broker, r["vhost"], body, out var created);
        r.Created(created);
    }

    /// <summary>Creates the vhost (or finds it) and sets its description; shared with definitions import.</summary>
    internal static VirtualHost Apply(Core.Broker broker, string name, JsonObject body, out bool created)
    {
        FieldValues.OnlyKnown(body, "name", "description", "tags", "metadata", "default_queue_type", "tracing", "limits");
        if (FieldValues.Bool(body, "tracing", false))
        {
            throw ApiException.BadRequest("tracing is not implemented by Courier");
        }

        if (FieldValues.String(body, "default_queue_type") is { } type && type is not ("classic" or "undefined"))
        {
            throw ApiException.BadRequest($"default_queue_type '{type}' is not supported; Courier's default queue type is classic");
        }

        if (name.Length == 0)
        {
            throw ApiException.BadRequest("a vhost name must not be empty");
        }

        created = !broker.TryGetVirtualHost(name, out _);
        var virtualHost = broker.AddVirtualHost(name);
        var description = FieldValues.String(body, "description") ?? (body["metadata"] as JsonObject)?["description"]?.GetValue<string>();
        if (description is not null)
        {
            virtualHost.Description = description;
        }

        LimitEndpoints.ApplyVirtualHost(broker, name, body);
        return virtualHost;
    }
}
