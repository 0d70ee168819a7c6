using System.Text.Json.Nodes;
using Courier.Core.Policies;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/policies</c> and <c>/api/operator-policies</c>, with RabbitMQ's paths, JSON and status
/// codes. <c>policymaker</c> and <c>administrator</c> users set and clear policies in the vhosts
/// they have access to; operator policies are the administrator's. Any management user reads those
/// of its vhosts. See docs/management.md.
/// </summary>
internal static class PolicyEndpoints
{
    private static readonly Dictionary<string, Func<(VirtualHost VirtualHost, Policy Policy), IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = p => p.Policy.Name,
        ["vhost"] = p => p.VirtualHost.Name,
        ["pattern"] = p => p.Policy.Pattern,
        ["apply-to"] = p => p.Policy.ApplyToName,
        ["priority"] = p => (long)p.Policy.Priority,
    };

    public static void Map(ApiRouter api)
    {
        foreach (var kind in new[] { "policies", "operator-policies" })
        {
            var operatorPolicies = kind == "operator-policies";
            var level = operatorPolicies ? AccessLevel.Administrator : AccessLevel.PolicyMaker;
            api.Get($"/api/{kind}", AccessLevel.Management, r => ListAsync(r, operatorPolicies));
            api.Get($"/api/{kind}/{{vhost}}", AccessLevel.Management, r => ListAsync(r, operatorPolicies));
            api.Get($"/api/{kind}/{{vhost}}/{{name}}", AccessLevel.Management, r =>
            {
                var virtualHost = r.VirtualHost();
                return virtualHost.TryGetPolicy(r["name"], operatorPolicies, out var policy)
                    ? r.WriteAsync(ToJson(policy, virtualHost.Name))
                    : throw ApiException.NotFound();
            });
            api.Put($"/api/{kind}/{{vhost}}/{{name}}", level, async r =>
            {
                var virtualHost = r.VirtualHost();
                var body = await r.BodyAsync().ConfigureAwait(false);
                r.Created(Set(virtualHost, r["name"], body, operatorPolicies));
            });
            api.Delete($"/api/{kind}/{{vhost}}/{{name}}", level, r =>
            {
                if (!r.VirtualHost().ClearPolicy(r["name"], operatorPolicies))
                {
                    throw ApiException.NotFound();
                }

                r.NoContent();
                return Task.CompletedTask;
            });
        }
    }

    /// <summary>A policy as RabbitMQ's API and definitions files show it.</summary>
    public static JsonObject ToJson(Policy policy, string virtualHost) => new()
    {
        ["vhost"] = virtualHost,
        ["name"] = policy.Name,
        ["pattern"] = policy.Pattern,
        ["apply-to"] = policy.ApplyToName,
        ["definition"] = FieldValues.ToJson(policy.Definition),
        ["priority"] = policy.Priority,
    };

    /// <summary>Sets a policy from a PUT body or a definitions entry; true when it is new.</summary>
    internal static bool Set(VirtualHost virtualHost, string name, JsonObject body, bool operatorPolicy) =>
        virtualHost.SetPolicy(Parse(name, body, operatorPolicy), operatorPolicy);

    /// <summary>A policy from a PUT body or a definitions entry, validated (400 with the reason).</summary>
    internal static Policy Parse(string name, JsonObject body, bool operatorPolicy)
    {
        FieldValues.OnlyKnown(body, "vhost", "name", "pattern", "definition", "priority", "apply-to");
        var pattern = FieldValues.String(body, "pattern") ?? throw ApiException.BadRequest("pattern is required");
        if (body["definition"] is not JsonObject definition)
        {
            throw ApiException.BadRequest("definition is required, as a JSON object");
        }

        var priority = FieldValues.Long(body, "priority") ?? 0;
        if (priority is < int.MinValue or > int.MaxValue)
        {
            throw ApiException.BadRequest("priority is out of range");
        }

        // RabbitMQ's default when apply-to is not given.
        var applyTo = FieldValues.String(body, "apply-to") ?? "all";
        return Policy.Create(name, pattern, applyTo, (int)priority, FieldValues.FromJson(definition, "definition"), operatorPolicy);
    }

    private static Task ListAsync(ApiRequest r, bool operatorPolicies)
    {
        var items = r.ListedVirtualHosts().SelectMany(v => v.GetPolicies(operatorPolicies).Select(p => (VirtualHost: v, Policy: p)));
        return ListQuery.From(r).WriteAsync(r, items, p => p.Policy.Name, p => ToJson(p.Policy, p.VirtualHost.Name), SortKeys);
    }
}
