using System.Text.Json.Nodes;
using Courier.Core.Sessions;
using Courier.Management.Json;
using Courier.Management.Routing;

namespace Courier.Management.Endpoints;

/// <summary>
/// <c>/api/connections</c>, <c>/api/channels</c> and <c>/api/consumers</c>: client sessions of every
/// protocol. A management user sees and closes only its own connections; monitoring users see
/// all, administrators close any.
/// </summary>
internal static class ConnectionEndpoints
{
    private const string DefaultReason = "Closed via management plugin";

    private static readonly Dictionary<string, Func<ClientSession, IComparable?>> SortKeys = new(StringComparer.Ordinal)
    {
        ["name"] = ModelJson.ConnectionName,
        ["user"] = s => s.User,
        ["vhost"] = s => s.VirtualHost,
        ["connected_at"] = s => s.ConnectedAt,
    };

    private static readonly Dictionary<string, Func<(ClientSession Session, SessionChannel Channel), IComparable?>> ChannelSortKeys = new(StringComparer.Ordinal)
    {
        ["user"] = c => c.Session.User,
        ["vhost"] = c => c.Session.VirtualHost,
    };

    public static void Map(ApiRouter api)
    {
        api.Get("/api/connections", AccessLevel.Management, r => ListAsync(r, null));
        api.Get("/api/vhosts/{vhost}/connections", AccessLevel.Management, r => ListAsync(r, r.VirtualHost().Name));
        api.Get("/api/connections/{name}", AccessLevel.Management, r => r.WriteAsync(ModelJson.Connection(Find(r), r.Node.Name, r.Node.Rates)));
        api.Delete("/api/connections/{name}", AccessLevel.Management, r =>
        {
            var session = Find(r);
            if (session.User != r.User.Name && !UserTags.Allows(r.User, AccessLevel.Administrator))
            {
                throw ApiException.NotAuthorised("Not administrator user");
            }

            var reason = r.Http.Request.Headers["X-Reason"].ToString();
            session.Close(reason.Length > 0 ? reason : DefaultReason);
            r.NoContent();
            return Task.CompletedTask;
        });
        api.Get("/api/connections/{name}/channels", AccessLevel.Management, r =>
        {
            var session = Find(r);
            return r.WriteAsync(new JsonArray([.. Channels(session).Select(c => (JsonNode)ModelJson.Channel(session, c, r.Node.Name, r.Node.Rates))]));
        });
        api.Get("/api/channels", AccessLevel.Management, r => ListChannelsAsync(r, null));
        api.Get("/api/vhosts/{vhost}/channels", AccessLevel.Management, r => ListChannelsAsync(r, r.VirtualHost().Name));
        api.Get("/api/channels/{name}", AccessLevel.Management, r =>
        {
            foreach (var session in Visible(r, null))
            {
                foreach (var channel in Channels(session))
                {
                    if ($"{ModelJson.ConnectionName(session)} ({channel.Number})" == r["name"])
                    {
                        return r.WriteAsync(ModelJson.Channel(session, channel, r.Node.Name, r.Node.Rates));
                    }
                }
            }

            throw ApiException.NotFound();
        });
        api.Get("/api/consumers", AccessLevel.Management, ConsumersAsync);
        api.Get("/api/consumers/{vhost}", AccessLevel.Management, ConsumersAsync);
    }

    private static IReadOnlyList<SessionChannel> Channels(ClientSession session) => session.Details?.GetChannels() ?? [];

    /// <summary>The sessions the user may see: all for monitoring users, else its own.</summary>
    private static IEnumerable<ClientSession> Visible(ApiRequest r, string? virtualHost)
    {
        var all = UserTags.Allows(r.User, AccessLevel.Monitoring);
        foreach (var session in r.Broker.Sessions)
        {
            if ((virtualHost is null || session.VirtualHost == virtualHost) && (all || session.User == r.User.Name))
            {
                yield return session;
            }
        }
    }

    private static ClientSession Find(ApiRequest r) =>
        Visible(r, null).FirstOrDefault(s => ModelJson.ConnectionName(s) == r["name"]) ?? throw ApiException.NotFound();

    private static Task ListAsync(ApiRequest r, string? virtualHost) =>
        ListQuery.From(r).WriteAsync(r, Visible(r, virtualHost), ModelJson.ConnectionName, s => ModelJson.Connection(s, r.Node.Name, r.Node.Rates), SortKeys);

    private static Task ListChannelsAsync(ApiRequest r, string? virtualHost)
    {
        var items = Visible(r, virtualHost).SelectMany(s => Channels(s).Select(c => (Session: s, Channel: c)));
        return ListQuery.From(r).WriteAsync(r, items, c => $"{ModelJson.ConnectionName(c.Session)} ({c.Channel.Number})", c => ModelJson.Channel(c.Session, c.Channel, r.Node.Name, r.Node.Rates), ChannelSortKeys);
    }

    private static Task ConsumersAsync(ApiRequest r)
    {
        var consumers = new JsonArray();
        foreach (var virtualHost in r.ListedVirtualHosts())
        {
            foreach (var queue in virtualHost.Queues)
            {
                if (queue.ConsumerCount == 0)
                {
                    continue;
                }

                foreach (var consumer in queue.GetConsumers())
                {
                    consumers.Add(ModelJson.Consumer(queue, consumer));
                }
            }
        }

        return r.WriteAsync(consumers);
    }
}
