using Courier.Core;
using Courier.Management.Endpoints;
using Courier.Management.Routing;
using Courier.Management.Ui;
using Microsoft.AspNetCore.Http;

namespace Courier.Management;

/// <summary>
/// The management HTTP API, compatible with the commonly used part of RabbitMQ's (paths, methods,
/// JSON field names, status codes), over the broker's model. The host serves it on its HTTP
/// listener only; see docs/management.md for what is implemented and how it differs.
/// </summary>
public static class ManagementApi
{
    /// <summary>Builds the request handler of the API for <paramref name="broker"/>.</summary>
    public static RequestDelegate Create(Broker broker, ManagementNode node)
    {
        var router = new ApiRouter(broker, node);
        OverviewEndpoints.Map(router);
        VirtualHostEndpoints.Map(router);
        UserEndpoints.Map(router);
        ExchangeEndpoints.Map(router);
        QueueEndpoints.Map(router);
        BindingEndpoints.Map(router);
        ConnectionEndpoints.Map(router);
        DefinitionEndpoints.Map(router);
        PolicyEndpoints.Map(router);
        LimitEndpoints.Map(router);
        return http => ManagementUi.TryServe(http, out var served) ? served : router.HandleAsync(http);
    }
}
