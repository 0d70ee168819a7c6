using System.Text.Json.Nodes;
using Courier.Core.Exchanges;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/bindings</c>: list, and create, show and delete the bindings between an exchange and a
/// queue (<c>e/{exchange}/q/{queue}</c>) or two exchanges (<c>e/{source}/e/{destination}</c>). A
/// binding is named in URLs by its properties key (<see cref="ModelJson.PropertiesKey"/>).
/// </summary>
internal static class BindingEndpoints
{
    private static readonly Dictionary<string, Func<BindingView, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["source"] = b => b.Source,
        ["destination"] = b => b.Destination,
        ["vhost"] = b => b.VirtualHost,
        ["routing_key"] = b => b.RoutingKey,
    };

    public static void Map(ApiRouter api)
    {
        api.Get("/api/bindings", AccessLevel.Management, ListAsync);
        api.Get("/api/bindings/{vhost}", AccessLevel.Management, ListAsync);
        foreach (var kind in new[] { "q", "e" })
        {
            var toQueue = kind == "q";
            api.Get($"/api/bindings/{{vhost}}/e/{{source}}/{kind}/{{destination}}", AccessLevel.Management, r =>
            {
                var (virtualHost, source, destination) = Ends(r, toQueue);
                return r.WriteAsync(new JsonArray([.. Between(source, destination).Select(b => (JsonNode)ModelJson.Binding(b, virtualHost.Name))]));
            });
            api.Post($"/api/bindings/{{vhost}}/e/{{source}}/{kind}/{{destination}}", AccessLevel.Management, r => CreateAsync(r, toQueue));
            api.Get($"/api/bindings/{{vhost}}/e/{{source}}/{kind}/{{destination}}/{{props}}", AccessLevel.Management, r =>
            {
                var (virtualHost, source, destination) = Ends(r, toQueue);
                return r.WriteAsync(ModelJson.Binding(FindByKey(source, destination, r["props"]), virtualHost.Name));
            });
            api.Delete($"/api/bindings/{{vhost}}/e/{{source}}/{kind}/{{destination}}/{{props}}", AccessLevel.Management, r =>
            {
                var (virtualHost, source, destination) = Ends(r, toQueue);
                var binding = FindByKey(source, destination, r["props"]);
                Authorize(r, virtualHost, source, destination);
                if (destination is IQueue)
                {
                    virtualHost.UnbindQueue(destination.Name, source.Name, binding.RoutingKey, binding.Arguments, ManagementSession.Instance);
                }
                else
                {
                    virtualHost.UnbindExchange(destination.Name, source.Name, binding.RoutingKey, binding.Arguments);
                }

                r.NoContent();
                return Task.CompletedTask;
            });
        }
    }

    private static Task ListAsync(ApiRequest r)
    {
        var items = r.ListedVirtualHosts().SelectMany(Views);
        return ListQuery.From(r).WriteAsync(r, items, b => b.Source, b => b.ToJson(), SortKeys);
    }

    /// <summary>
    /// A vhost's bindings as RabbitMQ lists them: each queue's implicit binding from the default
    /// exchange (which the core routes without a binding object), then the declared ones.
    /// </summary>
    public static IEnumerable<BindingView> Views(VirtualHost virtualHost)
    {
        foreach (var queue in virtualHost.Queues)
        {
            yield return BindingView.Default(virtualHost.Name, queue.Name);
        }

        foreach (var binding in virtualHost.GetBindings())
        {
            yield return new BindingView(virtualHost.Name, binding.Source.Name, binding.Destination.Name, binding.Destination is IQueue, binding.RoutingKey, binding.Arguments);
        }
    }

    private static (VirtualHost Host, Exchange Source, IBindingDestination Destination) Ends(ApiRequest r, bool toQueue)
    {
        var virtualHost = r.VirtualHost();
        var source = ExchangeEndpoints.Find(virtualHost, r["source"]);
        IBindingDestination destination = toQueue ? QueueEndpoints.Find(virtualHost, r["destination"]) : ExchangeEndpoints.Find(virtualHost, r["destination"]);
        return (virtualHost, source, destination);
    }

    private static IEnumerable<Binding> Between(Exchange source, IBindingDestination destination) =>
        source.GetBindings().Where(b => ReferenceEquals(b.Destination, destination));

    private static Binding FindByKey(Exchange source, IBindingDestination destination, string key) =>
        Between(source, destination).FirstOrDefault(b => Uri.UnescapeDataString(ModelJson.PropertiesKey(b.RoutingKey, b.Arguments)) == key) ?? throw ApiException.NotFound();

    /// <summary>As AMQP's bind: write on the destination, read on the source.</summary>
    private static void Authorize(ApiRequest r, VirtualHost virtualHost, Exchange source, IBindingDestination destination)
    {
        r.Broker.Authorize(r.User, virtualHost, AccessKind.Write, destination is IQueue ? "queue" : "exchange", destination.Name);
        r.Broker.Authorize(r.User, virtualHost, AccessKind.Read, "exchange", source.Name);
    }

    private static async Task CreateAsync(ApiRequest r, bool toQueue)
    {
        var (virtualHost, source, destination) = Ends(r, toQueue);
        var body = await r.BodyAsync().ConfigureAwait(false);
        Authorize(r, virtualHost, source, destination);
        var (routingKey, arguments) = Bind(virtualHost, source.Name, destination.Name, toQueue, body);
        r.Http.Response.Headers.Location = ModelJson.PropertiesKey(routingKey, arguments);
        r.Created(true);
    }

    /// <summary>Binds from a POST body or a definitions entry.</summary>
    internal static (string RoutingKey, IReadOnlyDictionary<string, object?> Arguments) Bind(VirtualHost virtualHost, string source, string destination, bool toQueue, JsonObject body)
    {
        FieldValues.OnlyKnown(body, "routing_key", "arguments", "source", "destination", "destination_type", "vhost", "properties_key");
        var routingKey = FieldValues.String(body, "routing_key") ?? string.Empty;
        var arguments = FieldValues.FromJson(body["arguments"], "arguments");
        if (toQueue)
        {
            virtualHost.BindQueue(destination, source, routingKey, arguments, ManagementSession.Instance);
        }
        else
        {
            virtualHost.BindExchange(destination, source, routingKey, arguments);
        }

        return (routingKey, arguments);
    }
}

/// <summary>A binding as the API lists it, declared or the default exchange's implicit one.</summary>
internal sealed record BindingView(string VirtualHost, string Source, string Destination, bool ToQueue, string RoutingKey, IReadOnlyDictionary<string, object?> Arguments)
{
    public static BindingView Default(string virtualHost, string queue) => new(virtualHost, string.Empty, queue, true, queue, Core.Messages.FieldTable.Empty);

    public JsonObject ToJson() => ModelJson.Binding(Source, Destination, ToQueue, RoutingKey, Arguments, VirtualHost);
}
