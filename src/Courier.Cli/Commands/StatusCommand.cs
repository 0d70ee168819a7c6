using System.CommandLine;
using System.Text.Json.Nodes;
using Courier.Cli.Api;
using Courier.Cli.Output;

namespace Courier.Cli.Commands;

/// <summary><c>status</c>: the overview (node, versions, listeners, object and message totals) and the node's alarms.</summary>
internal static class StatusCommand
{
    public static Command Create(GlobalOptions global) =>
        new Command("status", "Show the node, its versions, listeners, totals and alarms").Runs(global, async (c, ct) =>
        {
            var overview = await c.Api.GetAsync("api/overview", ct).ConfigureAwait(false);
            string node = overview["node"]?.ToString() ?? string.Empty;
            var details = await c.Api.GetAsync($"api/nodes/{ManagementApiClient.Segment(node)}", ct).ConfigureAwait(false);
            var alarms = new JsonArray();
            if (details["mem_alarm"]?.GetValue<bool>() == true)
            {
                alarms.Add("memory");
            }

            if (details["disk_free_alarm"]?.GetValue<bool>() == true)
            {
                alarms.Add("disk");
            }

            if (c.Json)
            {
                c.WriteJson(new JsonObject { ["overview"] = overview.DeepClone(), ["alarms"] = alarms });
                return;
            }

            var totals = overview["object_totals"];
            var queued = overview["queue_totals"];
            var pairs = new List<(string, string)>
            {
                ("node", node),
                ("product", $"{overview["product_name"]} {overview["product_version"]}"),
                ("rabbitmq_version", Fields.Cell(overview["rabbitmq_version"])),
                ("management_version", Fields.Cell(overview["management_version"])),
                ("uptime", TimeSpan.FromMilliseconds(details["uptime"]?.GetValue<long>() ?? 0).ToString(@"d\.hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture)),
                ("connections", Fields.Cell(totals?["connections"])),
                ("channels", Fields.Cell(totals?["channels"])),
                ("exchanges", Fields.Cell(totals?["exchanges"])),
                ("queues", Fields.Cell(totals?["queues"])),
                ("consumers", Fields.Cell(totals?["consumers"])),
                ("messages", Fields.Cell(queued?["messages"])),
                ("messages_ready", Fields.Cell(queued?["messages_ready"])),
                ("messages_unacknowledged", Fields.Cell(queued?["messages_unacknowledged"])),
                ("alarms", alarms.Count == 0 ? "none" : Fields.Cell(alarms)),
            };
            TableWriter.WritePairs(c.Output, pairs);
            c.Output.WriteLine();
            c.Output.WriteLine("listeners:");
            TableWriter.Write(c.Output, ["protocol", "ip_address", "port"], overview["listeners"] as JsonArray ?? []);
        });
}
