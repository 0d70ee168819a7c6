using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;
using Microsoft.AspNetCore.Http;

namespace Courier.Management.Routing;

/// <summary>One API call: the authenticated user, the decoded path parameters, the query, the body and the answer.</summary>
public sealed class ApiRequest
{
    private readonly Dictionary<string, string> _route;

    internal ApiRequest(HttpContext http, Broker broker, ManagementNode node, User user, Dictionary<string, string> route)
    {
        Http = http;
        Broker = broker;
        Node = node;
        User = user;
        _route = route;
    }

    public HttpContext Http { get; }

    public Broker Broker { get; }

    public ManagementNode Node { get; }

    public User User { get; }

    /// <summary>A path parameter, percent-decoded (<c>%2F</c> is the vhost <c>/</c>).</summary>
    public string this[string name] => _route[name];

    public bool HasRoute(string name) => _route.ContainsKey(name);

    public string? Query(string name) => Http.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null;

    /// <summary>The vhost named by the <c>vhost</c> path parameter, which the user must have access to (404 when it does not exist).</summary>
    public VirtualHost VirtualHost(string parameter = "vhost")
    {
        if (!Broker.TryGetVirtualHost(this[parameter], out var virtualHost))
        {
            throw new ApiException(404, "not_found", "vhost_not_found");
        }

        RequireVirtualHostAccess(virtualHost.Name);
        return virtualHost;
    }

    /// <summary>True when the user sees every vhost (monitoring, administrator) or has permissions in this one.</summary>
    public bool MaySee(string virtualHost) =>
        UserTags.Allows(User, AccessLevel.Monitoring) || Broker.Users.GetPermission(User.Name, virtualHost) is not null;

    public void RequireVirtualHostAccess(string virtualHost)
    {
        if (!UserTags.Allows(User, AccessLevel.Administrator) && Broker.Users.GetPermission(User.Name, virtualHost) is null)
        {
            throw ApiException.NotAuthorised("User not authorised to access virtual host");
        }
    }

    public void Require(AccessLevel level)
    {
        if (!UserTags.Allows(User, level))
        {
            throw ApiException.NotAuthorised(UserTags.Refusal(level));
        }
    }

    /// <summary>The vhosts the user sees: all for monitoring and administrator users, else those it has permissions in.</summary>
    public IEnumerable<VirtualHost> VisibleVirtualHosts()
    {
        foreach (var virtualHost in Broker.VirtualHosts)
        {
            if (MaySee(virtualHost.Name))
            {
                yield return virtualHost;
            }
        }
    }

    /// <summary>The vhosts a list covers: the one in the path, or every one the user sees.</summary>
    public IEnumerable<VirtualHost> ListedVirtualHosts() =>
        HasRoute("vhost") ? [VirtualHost()] : VisibleVirtualHosts();

    /// <summary>The JSON body as an object; an empty body is an empty object. 400 for anything else.</summary>
    public async Task<JsonObject> BodyAsync()
    {
        using var reader = new StreamReader(Http.Request.Body);
        var text = await reader.ReadToEndAsync(Http.RequestAborted).ConfigureAwait(false);
        return ParseBody(text);
    }

    /// <summary>
    /// A request body as an object: an empty body is an empty object; anything that is not a JSON
    /// object, or an object that names a member twice (which would otherwise throw when the object
    /// is first read, deep inside an endpoint), is 400.
    /// </summary>
    public static JsonObject ParseBody(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(text, documentOptions: StrictBody) as JsonObject ?? throw ApiException.BadRequest("the body must be a JSON object");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body is not JSON: {e.Message}");
        }
    }

    private static readonly JsonDocumentOptions StrictBody = new() { AllowDuplicateProperties = false };

    public Task WriteAsync(JsonNode? body, int status = 200)
    {
        Http.Response.StatusCode = status;
        Http.Response.ContentType = "application/json";
        return WriteBodyAsync(Http.Response, body);
    }

    /// <summary>201 when the request created the object, 204 when it changed an existing one, as RabbitMQ answers a PUT.</summary>
    public void Created(bool created) => Http.Response.StatusCode = created ? 201 : 204;

    public void NoContent() => Http.Response.StatusCode = 204;

    internal static async Task WriteBodyAsync(HttpResponse response, JsonNode? body)
    {
        var writer = new Utf8JsonWriter(response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            if (body is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                body.WriteTo(writer);
            }
        }
    }
}
