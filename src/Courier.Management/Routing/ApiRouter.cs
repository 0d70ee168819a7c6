using System.Net;
using System.Text.Json.Nodes;
using Courier.Core;
using Courier.Core.Messages;
using Courier.Core.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Courier.Management.Routing;

/// <summary>
/// Finds the handler of an API call by method and path, authenticates the caller with HTTP basic
/// auth against the broker's users, checks the route's tag, and turns refusals into RabbitMQ's
/// error answers.
/// </summary>
/// <remarks>
/// Paths are matched on the raw request target split at <c>/</c> and each segment percent-decoded
/// once, so <c>%2F</c> is a vhost named <c>/</c> and never a path separator (ASP.NET Core routing
/// would see the decoded path).
/// </remarks>
public sealed class ApiRouter(Broker broker, ManagementNode node)
{
    private readonly List<Route> _routes = [];

    /// <summary>Adds a route; <paramref name="pattern"/> like <c>/api/queues/{vhost}/{name}</c>.</summary>
    public void Add(string method, string pattern, AccessLevel level, Func<ApiRequest, Task> handler) =>
        _routes.Add(new Route(method, pattern.Trim('/').Split('/'), level, handler));

    public void Get(string pattern, AccessLevel level, Func<ApiRequest, Task> handler) => Add("GET", pattern, level, handler);

    public void Put(string pattern, AccessLevel level, Func<ApiRequest, Task> handler) => Add("PUT", pattern, level, handler);

    public void Post(string pattern, AccessLevel level, Func<ApiRequest, Task> handler) => Add("POST", pattern, level, handler);

    public void Delete(string pattern, AccessLevel level, Func<ApiRequest, Task> handler) => Add("DELETE", pattern, level, handler);

    public async Task HandleAsync(HttpContext http)
    {
        try
        {
            await DispatchAsync(http).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await WriteErrorAsync(http, e.Status, e.Error, e.Message).ConfigureAwait(false);
        }
        catch (BrokerException e)
        {
            var (status, error) = e.Error switch
            {
                BrokerError.NotFound => (404, "not_found"),
                BrokerError.AccessRefused => (401, "not_authorised"),
                BrokerError.ResourceLocked => (405, "resource_locked"),
                _ => (400, "bad_request"),
            };
            await WriteErrorAsync(http, status, error, e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            // A pattern that is no regular expression, a JSON value of the wrong kind deep in a body.
            await WriteErrorAsync(http, 400, "bad_request", e.Message).ConfigureAwait(false);
        }
    }

    private async Task DispatchAsync(HttpContext http)
    {
        var segments = PathSegments(http);
        var method = http.Request.Method == "HEAD" ? "GET" : http.Request.Method;
        Route? matched = null;
        Dictionary<string, string>? values = null;
        var pathKnown = false;
        foreach (var route in _routes)
        {
            if (route.TryMatch(segments, out var found))
            {
                pathKnown = true;
                if (route.Method == method)
                {
                    matched = route;
                    values = found;
                    break;
                }
            }
        }

        if (matched is null)
        {
            if (pathKnown)
            {
                http.Response.Headers.Allow = string.Join(", ", _routes.Where(r => r.TryMatch(segments, out _)).Select(r => r.Method).Distinct());
                throw new ApiException(405, "method_not_allowed", $"{http.Request.Method} is not allowed here");
            }

            throw ApiException.NotFound();
        }

        var user = Authenticate(http);
        if (!UserTags.Allows(user, AccessLevel.Management))
        {
            throw ApiException.NotAuthorised("Not management user");
        }

        if (!UserTags.Allows(user, matched.Level))
        {
            throw ApiException.NotAuthorised(UserTags.Refusal(matched.Level));
        }

        await matched.Handler(new ApiRequest(http, broker, node, user, values!)).ConfigureAwait(false);
    }

    private User Authenticate(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            Challenge(http);
            throw new ApiException(401, "not_authorized", "Login failed");
        }

        // Credentials that are not well-formed UTF-8 are a failed login, never rewritten to U+FFFD
        // (which would let "\xfe" log in where the password is "\xff").
        string? decoded;
        try
        {
            StrictUtf8.TryDecode(Convert.FromBase64String(header["Basic ".Length..].Trim()), out decoded);
        }
        catch (FormatException)
        {
            decoded = null;
        }

        if (decoded is null)
        {
            Challenge(http);
            throw new ApiException(401, "not_authorized", "Login failed");
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        var remote = http.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, http.Connection.RemotePort) : null;
        if (colon < 0 || broker.Authenticate(decoded[..colon], decoded[(colon + 1)..], remote) is not { } user)
        {
            Challenge(http);
            throw new ApiException(401, "not_authorized", "Login failed");
        }

        return user;
    }

    private static void Challenge(HttpContext http)
    {
        // The web UI marks its calls (X-Requested-With: XMLHttpRequest) and shows its own login
        // page on a 401: no challenge then, so the browser does not open its password dialog.
        if (http.Request.Headers.XRequestedWith != "XMLHttpRequest")
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"RabbitMQ Management\"";
        }
    }

    private static string[] PathSegments(HttpContext http)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.ToString();
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        var parts = raw.Trim('/').Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Uri.UnescapeDataString(parts[i]);
        }

        return parts;
    }

    internal static async Task WriteErrorAsync(HttpContext http, int status, string error, string reason)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await ApiRequest.WriteBodyAsync(http.Response, new JsonObject { ["error"] = error, ["reason"] = reason }).ConfigureAwait(false);
    }

    private sealed record Route(string Method, string[] Segments, AccessLevel Level, Func<ApiRequest, Task> Handler)
    {
        public bool TryMatch(string[] path, out Dictionary<string, string> values)
        {
            values = null!;
            if (path.Length != Segments.Length)
            {
                return false;
            }

            Dictionary<string, string>? found = null;
            for (var i = 0; i < path.Length; i++)
            {
                var segment = Segments[i];
                if (segment.StartsWith('{'))
                {
                    (found ??= new(StringComparer.Ordinal))[segment[1..^1]] = path[i];
                }
                else if (!string.Equals(segment, path[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            values = found ?? new(StringComparer.Ordinal);
            return true;
        }
    }
}
