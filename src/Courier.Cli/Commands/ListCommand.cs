using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Courier.Cli.Output;

namespace Courier.Cli.Commands;

/// <summary>
/// <c>list KIND</c>: one API list as a table of chosen columns (RabbitMQ's field names) or as JSON.
/// Objects that live in a vhost are listed in <c>--vhost</c>, or in all of them with
/// <c>--all-vhosts</c>; queues are listed a page at a time with the API's paging, filter and sort.
/// </summary>
internal static class ListCommand
{
    private sealed record Kind(string Name, string AllPath, string? VhostPath, string[] Columns, bool Paged = false);

    private static readonly Kind[] Kinds =
    [
        new("queues", "api/queues", "api/queues/{0}", ["name", "type", "durable", "messages_ready", "messages_unacknowledged", "messages", "consumers"], Paged: true),
        new("exchanges", "api/exchanges", "api/exchanges/{0}", ["name", "type", "durable", "auto_delete", "internal"]),
        new("bindings", "api/bindings", "api/bindings/{0}", ["source", "destination", "destination_type", "routing_key", "properties_key"]),
        new("connections", "api/connections", null, ["name", "user", "vhost", "protocol", "state", "channels"]),
        new("channels", "api/channels", null, ["name", "user", "vhost", "number", "consumer_count", "messages_unacknowledged", "prefetch_count"]),
        new("consumers", "api/consumers", "api/consumers/{0}", ["queue.name", "consumer_tag", "channel_details.name", "ack_required", "exclusive"]),
        new("users", "api/users", null, ["name", "tags"]),
        new("vhosts", "api/vhosts", null, ["name", "description", "messages"]),
        new("permissions", "api/permissions", "api/vhosts/{0}/permissions", ["user", "vhost", "configure", "write", "read"]),
        new("policies", "api/policies", "api/policies/{0}", ["name", "pattern", "apply-to", "priority", "definition"]),
    ];

    public static Command Create(GlobalOptions global)
    {
        var list = new Command("list", "List queues, exchanges, bindings, connections, channels, consumers, users, vhosts, permissions or policies");
        foreach (var kind in Kinds)
        {
            list.Add(For(kind, global));
        }

        return list;
    }

    private static Command For(Kind kind, GlobalOptions global)
    {
        var command = new Command(kind.Name, $"List {kind.Name}");
        var columns = new Option<string?>("--columns", "-c") { Description = $"Comma-separated fields to show (dotted for nested ones); default {string.Join(",", kind.Columns)}" };
        command.Add(columns);
        Option<bool>? allVhosts = null;
        if (kind.VhostPath is not null)
        {
            allVhosts = new Option<bool>("--all-vhosts", "-a") { Description = "List every vhost's, not only --vhost's" };
            command.Add(allVhosts);
        }

        Option<int?>? page = null, pageSize = null;
        Option<string?>? filter = null, sort = null;
        Option<bool>? regex = null, sortReverse = null;
        if (kind.Paged)
        {
            page = new Option<int?>("--page") { Description = "Page to show (from 1): the API pages the list, so only that page travels" };
            pageSize = new Option<int?>("--page-size") { Description = "Items per page with --page (1 to 500, default 100)" };
            filter = new Option<string?>("--filter") { Description = "Only names containing this (the API's name parameter)" };
            regex = new Option<bool>("--use-regex") { Description = "--filter is a regular expression" };
            sort = new Option<string?>("--sort") { Description = "Field to sort by (e.g. messages)" };
            sortReverse = new Option<bool>("--sort-reverse") { Description = "Largest first" };
            command.With(page, pageSize, filter, regex, sort, sortReverse);
        }

        return command.Runs(global, async (context, cancellationToken) =>
        {
            bool everyVhost = allVhosts is null || context.Value(allVhosts);
            string path = everyVhost ? kind.AllPath : string.Format(CultureInfo.InvariantCulture, kind.VhostPath!, context.VirtualHost);
            string[] chosen = context.Value(columns) is { } text
                ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : everyVhost && kind.VhostPath is not null && kind.Name != "permissions" ? ["vhost", .. kind.Columns] : kind.Columns;
            var query = new List<string>();
            if (context.Value(columns) is not null)
            {
                query.Add("columns=" + Uri.EscapeDataString(string.Join(",", chosen)));
            }

            if (kind.Paged)
            {
                AddQuery(query, "page", context.Value(page!));
                AddQuery(query, "page_size", context.Value(pageSize!));
                if (context.Value(pageSize!) is not null && context.Value(page!) is null)
                {
                    throw new UsageError("--page-size needs --page");
                }

                AddQuery(query, "name", context.Value(filter!));
                if (context.Value(regex!))
                {
                    query.Add("use_regex=true");
                }

                AddQuery(query, "sort", context.Value(sort!));
                if (context.Value(sortReverse!))
                {
                    query.Add("sort_reverse=true");
                }
            }

            var answer = await context.Api.GetAsync(query.Count == 0 ? path : path + "?" + string.Join("&", query), cancellationToken).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(answer);
                return;
            }

            if (answer is JsonObject paged && paged["items"] is JsonArray items)
            {
                TableWriter.Write(context.Output, chosen, items);
                context.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"page {paged["page"]} of {paged["page_count"]} ({paged["filtered_count"]} matching, {paged["total_count"]} in all)"));
                return;
            }

            TableWriter.Write(context.Output, chosen, answer as JsonArray ?? throw new UsageError($"{path} did not answer with a list"));
        });
    }

    private static void AddQuery<T>(List<string> query, string name, T? value)
    {
        if (value is not null)
        {
            query.Add(name + "=" + Uri.EscapeDataString(Convert.ToString(value, CultureInfo.InvariantCulture)!));
        }
    }
}
