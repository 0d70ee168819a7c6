using System.Text.Json.Nodes;
using Courier.Core.Queues;
using Courier.Core.Security;
using Courier.Core.VirtualHosts;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary><c>/api/queues</c>: list (fast with many queues), declare, delete, purge, get, and a queue's bindings.</summary>
internal static class QueueEndpoints
{
    private static readonly Dictionary<string, Func<IQueue, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = q => q.Name,
        ["vhost"] = q => q.VirtualHost,
        // The counts the queue last published, read without its lock.
        ["messages"] = q => ListQuery.Key(q.LastCounts.Messages),
        ["messages_ready"] = q => ListQuery.Key(q.LastCounts.Ready),
        ["messages_unacknowledged"] = q => ListQuery.Key(q.LastCounts.Unacknowledged),
        ["consumers"] = q => ListQuery.Key(q.LastCounts.Consumers),
        ["durable"] = q => q.Durable,
        ["auto_delete"] = q => q.AutoDelete,
        ["exclusive"] = q => q.Exclusive,
        ["type"] = q => q.Type,
    };

    public static void Map(ApiRouter api)
    {
        api.Get("/api/queues", AccessLevel.Management, ListAsync);
        api.Get("/api/queues/{vhost}", AccessLevel.Management, ListAsync);
        api.Get("/api/queues/{vhost}/{name}", AccessLevel.Management, r =>
        {
            var queue = Find(r.VirtualHost(), r["name"]);
            var json = ModelJson.Queue(queue, r.Node.Name, r.Node.Rates);
            json["consumer_details"] = new JsonArray([.. queue.GetConsumers().Select(c => (JsonNode)ModelJson.Consumer(queue, c))]);
            return r.WriteAsync(json);
        });
        api.Put("/api/queues/{vhost}/{name}", AccessLevel.Management, PutAsync);
        api.Delete("/api/queues/{vhost}/{name}", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            var queue = Find(virtualHost, r["name"]);
            r.Broker.Authorize(r.User, virtualHost, AccessKind.Configure, "queue", queue.Name);
            virtualHost.DeleteQueue(queue.Name, r.Query("if-unused") == "true", r.Query("if-empty") == "true", queue.ExclusiveOwner ?? ManagementSession.Instance);
            r.NoContent();
            return Task.CompletedTask;
        });
        api.Delete("/api/queues/{vhost}/{name}/contents", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            var queue = Find(virtualHost, r["name"]);
            r.Broker.Authorize(r.User, virtualHost, AccessKind.Read, "queue", queue.Name);
            queue.Purge();
            r.NoContent();
            return Task.CompletedTask;
        });
        api.Get("/api/queues/{vhost}/{name}/bindings", AccessLevel.Management, r =>
        {
            var virtualHost = r.VirtualHost();
            var queue = Find(virtualHost, r["name"]);
            var bindings = new JsonArray(BindingView.Default(virtualHost.Name, queue.Name).ToJson());
            foreach (var binding in virtualHost.GetBindings())
            {
                if (ReferenceEquals(binding.Destination, queue))
                {
                    bindings.Add(ModelJson.Binding(binding, virtualHost.Name));
                }
            }

            return r.WriteAsync(bindings);
        });
        api.Post("/api/queues/{vhost}/{name}/get", AccessLevel.Management, MessageEndpoints.GetAsync);
    }

    public static IQueue Find(VirtualHost virtualHost, string name) =>
        virtualHost.TryGetQueue(name, out var queue) ? queue : throw ApiException.NotFound();

    private static Task ListAsync(ApiRequest r)
    {
        var query = ListQuery.From(r);
        if (query.IsDefaultOrderPage)
        {
            return DefaultOrderPageAsync(r, query);
        }

        var items = r.ListedVirtualHosts().SelectMany(v => v.Queues);
        return query.WriteAsync(r, items, q => q.Name, q => ModelJson.Queue(q, r.Node.Name, r.Node.Rates), SortKeys, q => q.VirtualHost);
    }

    /// <summary>
    /// A page in RabbitMQ's default order (vhost, then name), read from each vhost's name index:
    /// O(page) rather than O(queues), which is what the UI's queues page and most scripts ask for.
    /// </summary>
    private static Task DefaultOrderPageAsync(ApiRequest r, ListQuery query)
    {
        var virtualHosts = r.ListedVirtualHosts().ToList();
        virtualHosts.Sort((a, b) => query.SortReverse ? string.CompareOrdinal(b.Name, a.Name) : string.CompareOrdinal(a.Name, b.Name));
        var counts = new int[virtualHosts.Count];
        var total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = virtualHosts[i].QueueCount;
            total += counts[i];
        }

        return query.WriteIndexedPageAsync(
            r,
            total,
            (skip, take) =>
            {
                var page = new List<IQueue>(take);
                for (var i = 0; i < counts.Length && page.Count < take; i++)
                {
                    if (skip >= counts[i])
                    {
                        skip -= counts[i];
                        continue;
                    }

                    page.AddRange(virtualHosts[i].QueuesInNameOrder(skip, take - page.Count, query.SortReverse));
                    skip = 0;
                }

                return page;
            },
            q => ModelJson.Queue(q, r.Node.Name, r.Node.Rates));
    }

    private static async Task PutAsync(ApiRequest r)
    {
        var virtualHost = r.VirtualHost();
        var body = await r.BodyAsync().ConfigureAwait(false);
        var name = r["name"];
        r.Broker.Authorize(r.User, virtualHost, AccessKind.Configure, "queue", name);
        var created = !virtualHost.TryGetQueue(name, out _);
        Declare(virtualHost, name, body);
        r.Created(created);
    }

    /// <summary>Declares a queue from a PUT body or a definitions entry (durable unless told otherwise, as RabbitMQ's API).</summary>
    internal static void Declare(VirtualHost virtualHost, string name, JsonObject body)
    {
        FieldValues.OnlyKnown(body, "name", "vhost", "durable", "auto_delete", "exclusive", "arguments", "node", "type");
        if (FieldValues.Bool(body, "exclusive", false))
        {
            throw ApiException.BadRequest("an exclusive queue belongs to a client connection; the API cannot declare one");
        }

        var arguments = FieldValues.FromJson(body["arguments"], "arguments");
        if (FieldValues.String(body, "type") is { } type && type != "classic" && FieldTable(arguments, "x-queue-type") != type)
        {
            throw ApiException.BadRequest($"queue type '{type}' is not supported here; give it as the x-queue-type argument");
        }

        virtualHost.DeclareQueue(
            name,
            new QueueDefinition
            {
                Durable = FieldValues.Bool(body, "durable", true),
                AutoDelete = FieldValues.Bool(body, "auto_delete", false),
                Arguments = arguments,
            },
            passive: false,
            ManagementSession.Instance);
    }

    private static string? FieldTable(IReadOnlyDictionary<string, object?> arguments, string key) =>
        Core.Messages.FieldTable.GetString(arguments, key);
}
