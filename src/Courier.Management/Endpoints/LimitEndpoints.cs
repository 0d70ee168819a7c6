using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Core.Resources;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/vhost-limits</c> and <c>/api/user-limits</c>, as RabbitMQ's: a vhost's
/// <c>max-connections</c> and <c>max-queues</c>, a user's <c>max-connections</c> and
/// <c>max-channels</c>, each set with PUT <c>{"value": N}</c> and removed with DELETE. Also the
/// <c>limits</c> object of a vhost's or a user's PUT body and of definitions, and the vhost-limits
/// runtime parameters of a definitions file, which is how RabbitMQ exports vhost limits.
/// </summary>
internal static class LimitEndpoints
{
    /// <summary>The runtime-parameter component RabbitMQ keeps (and exports) vhost limits under.</summary>
    public const string VirtualHostLimitsComponent = "vhost-limits";

    public static void Map(ApiRouter api)
    {
        api.Get("/api/vhost-limits", AccessLevel.Management, r => r.WriteAsync(VirtualHostLimits(r, r.VisibleVirtualHosts().Select(v => v.Name))));
        api.Get("/api/vhost-limits/{vhost}", AccessLevel.Management, r => r.WriteAsync(VirtualHostLimits(r, [r.VirtualHost().Name])));
        api.Put("/api/vhost-limits/{vhost}/{name}", AccessLevel.Administrator, r => SetAsync(r, r.VirtualHost().Name, isUser: false));
        api.Delete("/api/vhost-limits/{vhost}/{name}", AccessLevel.Administrator, r => Clear(r, r.VirtualHost().Name, isUser: false));

        api.Get("/api/user-limits", AccessLevel.Administrator, r => r.WriteAsync(UserLimits(r, r.Broker.Users.Users.Select(u => u.Name))));
        api.Get("/api/user-limits/{user}", AccessLevel.Administrator, r => r.WriteAsync(UserLimits(r, [ExistingUser(r)])));
        api.Put("/api/user-limits/{user}/{name}", AccessLevel.Administrator, r => SetAsync(r, ExistingUser(r), isUser: true));
        api.Delete("/api/user-limits/{user}/{name}", AccessLevel.Administrator, r => Clear(r, ExistingUser(r), isUser: true));
    }

    /// <summary>A limits object (<c>{"max-connections": 10}</c>) as JSON.</summary>
    public static JsonObject ToJson(IReadOnlyDictionary<string, int> limits) =>
        new(limits.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value)));

    /// <summary>Sets the vhost's limits from the <c>limits</c> field of a vhost body, when it has one (replacing those it had).</summary>
    public static void ApplyVirtualHost(Broker broker, string virtualHost, JsonObject body)
    {
        if (Read(body, ClientLimits.VirtualHostLimitNames, "vhost") is { } limits)
        {
            broker.SetVirtualHostLimits(virtualHost, limits);
        }
    }

    /// <summary>Sets the user's limits from the <c>limits</c> field of a user body, when it has one (replacing those it had).</summary>
    public static void ApplyUser(Broker broker, string user, JsonObject body)
    {
        if (Read(body, ClientLimits.UserLimitNames, "user") is { } limits)
        {
            broker.SetUserLimits(user, limits);
        }
    }

    /// <summary>The vhost-limits runtime parameters of a definitions export, as RabbitMQ writes them.</summary>
    public static IEnumerable<JsonNode> ExportParameters(Broker broker, IEnumerable<string> virtualHosts) =>
        virtualHosts.Select(v => (Name: v, Limits: broker.Limits.OfVirtualHost(v))).Where(v => v.Limits.Count > 0).Select(v => (JsonNode)new JsonObject
        {
            ["value"] = ToJson(v.Limits),
            ["vhost"] = v.Name,
            ["component"] = VirtualHostLimitsComponent,
            ["name"] = "limits",
        });

    /// <summary>Refuses, before anything is imported, a runtime parameter Courier does not implement (only vhost limits are).</summary>
    public static void CheckParameter(JsonObject parameter)
    {
        FieldValues.OnlyKnown(parameter, "value", "vhost", "component", "name");
        var component = FieldValues.String(parameter, "component");
        if (component != VirtualHostLimitsComponent)
        {
            throw ApiException.BadRequest($"runtime parameters of component '{component}' (federation, shovel) are not implemented by Courier; only vhost-limits are. Remove them from the parameters section to import the rest");
        }
    }

    /// <summary>Applies a vhost-limits runtime parameter of a definitions file (checked by <see cref="CheckParameter"/>).</summary>
    public static void ImportParameter(Broker broker, JsonObject parameter, string? onlyVirtualHost)
    {
        var vhost = onlyVirtualHost ?? FieldValues.String(parameter, "vhost") ?? throw ApiException.BadRequest("a parameter without a vhost");
        var limits = parameter["value"] as JsonObject ?? throw ApiException.BadRequest("the value of a vhost-limits parameter must be an object");
        broker.SetVirtualHostLimits(vhost, Parse(limits, ClientLimits.VirtualHostLimitNames, "vhost"));
    }

    private static JsonArray VirtualHostLimits(ApiRequest r, IEnumerable<string> virtualHosts) =>
        [.. virtualHosts.Select(v => (Name: v, Limits: r.Broker.Limits.OfVirtualHost(v))).Where(v => v.Limits.Count > 0)
            .Select(v => (JsonNode)new JsonObject { ["vhost"] = v.Name, ["value"] = ToJson(v.Limits) })];

    private static JsonArray UserLimits(ApiRequest r, IEnumerable<string> users) =>
        [.. users.Select(u => (Name: u, Limits: r.Broker.Limits.OfUser(u))).Where(u => u.Limits.Count > 0)
            .Select(u => (JsonNode)new JsonObject { ["user"] = u.Name, ["value"] = ToJson(u.Limits) })];

    /// <summary>The user of the path; 400 when there is none, as RabbitMQ answers (<c>no_such_user</c>).</summary>
    private static string ExistingUser(ApiRequest r) =>
        r.Broker.Users.TryGet(r["user"], out var user) ? user.Name : throw ApiException.BadRequest($"no_such_user '{r["user"]}'");

    private static async Task SetAsync(ApiRequest r, string owner, bool isUser)
    {
        var body = await r.BodyAsync().ConfigureAwait(false);
        FieldValues.OnlyKnown(body, "value");
        var name = KnownName(r["name"], isUser);
        var value = FieldValues.Long(body, "value") ?? throw ApiException.BadRequest("value is missing");
        var limits = new Dictionary<string, int>(Current(r.Broker, owner, isUser), StringComparer.Ordinal) { [name] = ToLimit(name, value) };
        Set(r.Broker, owner, isUser, limits);
        r.NoContent();
    }

    private static Task Clear(ApiRequest r, string owner, bool isUser)
    {
        var limits = new Dictionary<string, int>(Current(r.Broker, owner, isUser), StringComparer.Ordinal);
        limits.Remove(KnownName(r["name"], isUser));
        Set(r.Broker, owner, isUser, limits);
        r.NoContent();
        return Task.CompletedTask;
    }

    private static IReadOnlyDictionary<string, int> Current(Broker broker, string owner, bool isUser) =>
        isUser ? broker.Limits.OfUser(owner) : broker.Limits.OfVirtualHost(owner);

    private static void Set(Broker broker, string owner, bool isUser, Dictionary<string, int> limits)
    {
        if (isUser)
        {
            broker.SetUserLimits(owner, limits);
        }
        else
        {
            broker.SetVirtualHostLimits(owner, limits);
        }
    }

    private static string KnownName(string name, bool isUser)
    {
        var known = isUser ? ClientLimits.UserLimitNames : ClientLimits.VirtualHostLimitNames;
        return known.Contains(name) ? name : throw ApiException.BadRequest($"unknown {(isUser ? "user" : "vhost")} limit '{name}'; the limits are {string.Join(", ", known)}");
    }

    private static Dictionary<string, int>? Read(JsonObject body, IReadOnlyList<string> known, string kind) => body["limits"] switch
    {
        null => null,
        JsonObject limits => Parse(limits, known, kind),

        // RabbitMQ writes an empty proplist as [] ("limits": [] in some exports): no limits.
        JsonArray { Count: 0 } => [],
        _ => throw ApiException.BadRequest("limits must be an object such as {\"max-connections\": 10}"),
    };

    private static Dictionary<string, int> Parse(JsonObject limits, IReadOnlyList<string> known, string kind)
    {
        var parsed = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, _) in limits)
        {
            if (!known.Contains(name))
            {
                throw ApiException.BadRequest($"unknown {kind} limit '{name}'; the limits are {string.Join(", ", known)}");
            }

            parsed[name] = ToLimit(name, FieldValues.Long(limits, name) ?? throw ApiException.BadRequest($"{name} must be an integer"));
        }

        return parsed;
    }

    /// <summary>0 refuses everything; a negative value is kept as -1, no limit, as RabbitMQ shows it.</summary>
    private static int ToLimit(string name, long value) =>
        value > int.MaxValue ? throw ApiException.BadRequest($"{name} must be at most {int.MaxValue}") : (int)Math.Max(value, -1);
}
