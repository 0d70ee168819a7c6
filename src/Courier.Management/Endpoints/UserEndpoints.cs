using System.Text.Json.Nodes;
using Courier.Core.Security;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary><c>/api/users</c>, <c>/api/permissions</c> and <c>/api/topic-permissions</c>: administrators only, as in RabbitMQ.</summary>
internal static class UserEndpoints
{
    private static readonly Dictionary<string, Func<User, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = u => u.Name,
    };

    public static void Map(ApiRouter api)
    {
        const AccessLevel admin = AccessLevel.Administrator;
        api.Get("/api/users", admin, r => ListQuery.From(r).WriteAsync(r, r.Broker.Users.Users, u => u.Name, u => ModelJson.User(u, r.Broker.Limits.OfUser(u.Name)), SortKeys));
        api.Get("/api/users/without-permissions", admin, r => r.WriteAsync(new JsonArray([.. r.Broker.Users.Users
            .Where(u => !r.Broker.Users.Permissions.Any(p => p.User == u.Name)).Select(u => (JsonNode)ModelJson.User(u, r.Broker.Limits.OfUser(u.Name)))])));
        api.Get("/api/users/{user}", admin, r => r.WriteAsync(ModelJson.User(FindUser(r), r.Broker.Limits.OfUser(r["user"]))));
        api.Put("/api/users/{user}", admin, PutUserAsync);
        api.Delete("/api/users/{user}", admin, r => Done(r, r.Broker.DeleteUser(r["user"])));
        api.Get("/api/users/{user}/permissions", admin, r =>
        {
            var user = FindUser(r).Name;
            return r.WriteAsync(new JsonArray([.. r.Broker.Users.Permissions.Where(p => p.User == user).Select(p => (JsonNode)ModelJson.Permission(p.User, p.VirtualHost, p.Permission))]));
        });
        api.Get("/api/users/{user}/topic-permissions", admin, r =>
        {
            var user = FindUser(r).Name;
            return r.WriteAsync(new JsonArray([.. r.Broker.Users.TopicPermissions.Where(p => p.User == user).Select(p => (JsonNode)ModelJson.TopicPermission(p.User, p.VirtualHost, p.Permission))]));
        });

        api.Get("/api/permissions", admin, r => r.WriteAsync(new JsonArray([.. r.Broker.Users.Permissions.Select(p => (JsonNode)ModelJson.Permission(p.User, p.VirtualHost, p.Permission))])));
        api.Get("/api/permissions/{vhost}/{user}", admin, r =>
        {
            var vhost = r.VirtualHost().Name;
            return r.Broker.Users.GetPermission(r["user"], vhost) is { } p ? r.WriteAsync(ModelJson.Permission(r["user"], vhost, p)) : throw ApiException.NotFound();
        });
        api.Put("/api/permissions/{vhost}/{user}", admin, PutPermissionAsync);
        api.Delete("/api/permissions/{vhost}/{user}", admin, r => Done(r, r.Broker.ClearPermission(r["user"], r.VirtualHost().Name)));

        api.Get("/api/topic-permissions", admin, r => r.WriteAsync(new JsonArray([.. r.Broker.Users.TopicPermissions.Select(p => (JsonNode)ModelJson.TopicPermission(p.User, p.VirtualHost, p.Permission))])));
        api.Get("/api/topic-permissions/{vhost}/{user}", admin, r =>
        {
            var vhost = r.VirtualHost().Name;
            var found = r.Broker.Users.TopicPermissions.Where(p => p.User == r["user"] && p.VirtualHost == vhost).Select(p => (JsonNode)ModelJson.TopicPermission(p.User, p.VirtualHost, p.Permission)).ToArray();
            return found.Length > 0 ? r.WriteAsync(new JsonArray(found)) : throw ApiException.NotFound();
        });
        api.Put("/api/topic-permissions/{vhost}/{user}", admin, PutTopicPermissionAsync);
        api.Delete("/api/topic-permissions/{vhost}/{user}", admin, r =>
        {
            var vhost = r.VirtualHost().Name;
            var removed = false;
            foreach (var (user, _, permission) in r.Broker.Users.TopicPermissions.Where(p => p.User == r["user"] && p.VirtualHost == vhost).ToList())
            {
                removed |= r.Broker.ClearTopicPermission(user, vhost, permission.Exchange);
            }

            return Done(r, removed);
        });
    }

    private static Task Done(ApiRequest r, bool found)
    {
        if (!found)
        {
            throw ApiException.NotFound();
        }

        r.NoContent();
        return Task.CompletedTask;
    }

    private static User FindUser(ApiRequest r) =>
        r.Broker.Users.TryGet(r["user"], out var user) ? user : throw ApiException.NotFound();

    private static async Task PutUserAsync(ApiRequest r)
    {
        var body = await r.BodyAsync().ConfigureAwait(false);
        var created = !r.Broker.Users.TryGet(r["user"], out _);
        r.Broker.AddUser(Build(r.Broker.Users, r["user"], body));
        LimitEndpoints.ApplyUser(r.Broker, r["user"], body);
        r.Created(created);
    }

    /// <summary>
    /// A user from a PUT body or a definitions file: <c>password</c> (hashed here), or
    /// <c>password_hash</c> with <c>hashing_algorithm</c> <c>rabbit_password_hashing_sha256</c>;
    /// neither keeps an existing user's password. <c>tags</c> is an array or a comma-separated string.
    /// </summary>
    internal static User Build(UserStore users, string name, JsonObject body)
    {
        FieldValues.OnlyKnown(body, "name", "password", "password_hash", "hashing_algorithm", "tags", "limits");

        string[] tags = body["tags"] switch
        {
            null => [],
            JsonArray array => [.. array.Select(t => t?.GetValue<string>() ?? string.Empty).Where(t => t.Length > 0)],
            var node => UserTags.Parse(node.GetValue<string>()),
        };
        if (FieldValues.String(body, "password") is { } password)
        {
            return new User(name, password, tags);
        }

        if (FieldValues.String(body, "password_hash") is { } passwordHash)
        {
            var algorithm = FieldValues.String(body, "hashing_algorithm") ?? RabbitPasswordHash.Algorithm;
            if (algorithm != RabbitPasswordHash.Algorithm)
            {
                throw ApiException.BadRequest($"hashing_algorithm '{algorithm}' is not supported; Courier reads {RabbitPasswordHash.Algorithm}");
            }

            if (!RabbitPasswordHash.TryDecode(passwordHash, out var salt, out var hash, out var error))
            {
                throw ApiException.BadRequest(error);
            }

            return new User(name, salt, hash, tags);
        }

        if (users.TryGet(name, out var existing))
        {
            return new User(name, existing.PasswordSalt.ToArray(), existing.PasswordHash.ToArray(), tags);
        }

        throw ApiException.BadRequest("password or password_hash must be set");
    }

    private static async Task PutPermissionAsync(ApiRequest r)
    {
        var vhost = r.VirtualHost().Name;
        var body = await r.BodyAsync().ConfigureAwait(false);
        var created = r.Broker.Users.GetPermission(r["user"], vhost) is null;
        r.Broker.SetPermission(r["user"], vhost, BuildPermission(r.Broker.Users, r["user"], body));
        r.Created(created);
    }

    internal static Permission BuildPermission(UserStore users, string user, JsonObject body)
    {
        var (configure, write, read) = Patterns(users, user, body, "configure");
        return PatternsCompiled(() => new Permission(configure, write, read));
    }

    private static async Task PutTopicPermissionAsync(ApiRequest r)
    {
        var vhost = r.VirtualHost().Name;
        var body = await r.BodyAsync().ConfigureAwait(false);
        var permission = BuildTopicPermission(r.Broker.Users, r["user"], body);
        var created = r.Broker.Users.GetTopicPermission(r["user"], vhost, permission.Exchange) is null;
        r.Broker.SetTopicPermission(r["user"], vhost, permission);
        r.Created(created);
    }

    internal static TopicPermission BuildTopicPermission(UserStore users, string user, JsonObject body)
    {
        var (exchange, write, read) = Patterns(users, user, body, "exchange");
        return PatternsCompiled(() => new TopicPermission(exchange, write, read));
    }

    /// <summary>A permission built from its patterns; 400 when one is not a regular expression (found by the management-bodies fuzz target: `\\9` threw from the endpoint).</summary>
    private static T PatternsCompiled<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (ArgumentException e)
        {
            throw ApiException.BadRequest($"a pattern is not a regular expression: {e.Message}");
        }
    }

    /// <summary>The three fields of a permission body (<paramref name="first"/>, write, read), for an existing user; 400 when one is missing.</summary>
    private static (string First, string Write, string Read) Patterns(UserStore users, string user, JsonObject body, string first)
    {
        FieldValues.OnlyKnown(body, "user", "vhost", first, "write", "read");
        if (!users.TryGet(user, out _))
        {
            throw ApiException.BadRequest($"no user '{user}'");
        }

        return (Required(body, first), Required(body, "write"), Required(body, "read"));
    }

    private static string Required(JsonObject body, string name) =>
        FieldValues.String(body, name) ?? throw ApiException.BadRequest($"{name} is missing");
}
