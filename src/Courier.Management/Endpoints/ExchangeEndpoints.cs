using System.Text.Json.Nodes;
using Courier.Core.Exchanges;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary><c>/api/exchanges</c>: list, declare, delete, their bindings, and publish for testing.</summary>
internal static class ExchangeEndpoints
{
    private static readonly Dictionary<string, Func<(VirtualHost Host, Exchange Exchange), IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = e => e.Exchange.Name,
        ["vhost"] = e => e.Host.Name,
        ["type"] = e => e.Exchange.Type,
    };

    public static void Map(ApiRouter api)
    {
        api.Get("/api/exchanges", AccessLevel.Management, ListAsync);
        api.Get("/api/exchanges/{vhost}", AccessLevel.Management, ListAsync);
        api.Get("/api/exchanges/{vhost}/{name}", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            return r.WriteAsync(ModelJson.Exchange(Find(virtualHost, r["name"]), virtualHost.Name, r.Node.Rates));
        });
        api.Put("/api/exchanges/{vhost}/{name}", AccessLevel.Management, PutAsync);
        api.Delete("/api/exchanges/{vhost}/{name}", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            var name = NameOf(r["name"]);
            r.Broker.Authorize(r.User, virtualHost, AccessKind.Configure, "exchange", name);
            virtualHost.DeleteExchange(name, ifUnused: r.Query("if-unused") == "true");
            r.NoContent();
            return Task.CompletedTask;
        });
        api.Get("/api/exchanges/{vhost}/{name}/bindings/source", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            return r.WriteAsync(new JsonArray([.. Find(virtualHost, r["name"]).GetBindings().Select(b => (JsonNode)ModelJson.Binding(b, virtualHost.Name))]));
        });
        api.Get("/api/exchanges/{vhost}/{name}/bindings/destination", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            var exchange = Find(virtualHost, r["name"]);
            return r.WriteAsync(new JsonArray([.. virtualHost.GetBindings().Where(b => ReferenceEquals(b.Destination, exchange)).Select(b => (JsonNode)ModelJson.Binding(b, virtualHost.Name))]));
        });
        api.Post("/api/exchanges/{vhost}/{name}/publish", AccessLevel.Management, MessageEndpoints.PublishAsync);
    }

    /// <summary>The exchange's name from the API's: <c>amq.default</c> is the default exchange, whose name is empty.</summary>
    public static string NameOf(string apiName) => apiName == ModelJson.DefaultExchangeName ? string.Empty : apiName;

    public static Exchange Find(VirtualHost virtualHost, string apiName) =>
        virtualHost.TryGetExchange(NameOf(apiName), out var exchange) ? exchange : throw ApiException.NotFound();

    private static Task ListAsync(ApiRequest r)
    {
        var items = r.ListedVirtualHosts().SelectMany(v => v.Exchanges.Select(e => (Host: v, Exchange: e)));
        return ListQuery.From(r).WriteAsync(r, items, e => e.Exchange.Name, e => ModelJson.Exchange(e.Exchange, e.Host.Name, r.Node.Rates), SortKeys);
    }

    private static async Task PutAsync(ApiRequest r)
    {
        var virtualHost = r.VirtualHost();
        var body = await r.BodyAsync().ConfigureAwait(false);
        var name = NameOf(r["name"]);
        r.Broker.Authorize(r.User, virtualHost, AccessKind.Configure, "exchange", name);
        var created = !virtualHost.TryGetExchange(name, out _);
        Declare(virtualHost, name, body);
        r.Created(created);
    }

    /// <summary>Declares an exchange from a PUT body or a definitions entry (durable unless told otherwise, as RabbitMQ's API).</summary>
    internal static void Declare(VirtualHost virtualHost, string name, JsonObject body)
    {
        FieldValues.OnlyKnown(body, "name", "vhost", "type", "durable", "auto_delete", "internal", "arguments", "user_who_performed_action");
        var definition = new ExchangeDefinition
        {
            Type = FieldValues.String(body, "type") ?? throw ApiException.BadRequest("type is missing"),
            Durable = FieldValues.Bool(body, "durable", true),
            AutoDelete = FieldValues.Bool(body, "auto_delete", false),
            Internal = FieldValues.Bool(body, "internal", false),
            Arguments = FieldValues.FromJson(body["arguments"], "arguments"),
        };
        virtualHost.DeclareExchange(name, definition, passive: false);
    }
}
