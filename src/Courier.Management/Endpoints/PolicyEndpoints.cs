using System.Text.Json.Nodes;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/policies</c> and <c>/api/operator-policies</c>: Courier has no policies yet, so the lists
/// are empty and setting one is refused (never accepted and ignored); see docs/management.md.
/// </summary>
internal static class PolicyEndpoints
{
    public static void Map(ApiRouter api)
    {
        foreach (var kind in new[] { "policies", "operator-policies" })
        {
            var level = kind == "policies" ? AccessLevel.PolicyMaker : AccessLevel.Administrator;
            api.Get($"/api/{kind}", AccessLevel.Management, r => r.WriteAsync(new JsonArray()));
            api.Get($"/api/{kind}/{{vhost}}", AccessLevel.Management, r =>
            {
                r.VirtualHost();
                return r.WriteAsync(new JsonArray());
            });
            api.Get($"/api/{kind}/{{vhost}}/{{name}}", AccessLevel.Management, r =>
            {
                r.VirtualHost();
                throw ApiException.NotFound();
            });
            api.Put($"/api/{kind}/{{vhost}}/{{name}}", level, r => throw ApiException.BadRequest("policies are not implemented by Courier; give limits as queue arguments"));
            api.Delete($"/api/{kind}/{{vhost}}/{{name}}", level, r =>
            {
                r.VirtualHost();
                throw ApiException.NotFound();
            });
        }
    }
}
