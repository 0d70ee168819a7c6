using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Courier.Cli.Commands;

/// <summary><c>export FILE</c> and <c>import FILE</c>: the whole broker's definitions (users, vhosts, permissions, exchanges, queues, bindings, policies).</summary>
internal static class DefinitionsCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Export(GlobalOptions global)
    {
        var file = new Argument<string>("file") { Description = "Where to write the definitions (- for standard output)" };
        return new Command("export", "Export the definitions to a JSON file").With(file).Runs(global, async (c, ct) =>
        {
            var definitions = await c.Api.GetAsync("api/definitions", ct).ConfigureAwait(false);
            string text = definitions.ToJsonString(Indented);
            if (c.Value(file) == "-")
            {
                c.Output.WriteLine(text);
                return;
            }

            await File.WriteAllTextAsync(c.Value(file), text + "\n", ct).ConfigureAwait(false);
            c.Done($"definitions exported to {c.Value(file)}: {Count(definitions, "vhosts")} vhosts, {Count(definitions, "users")} users, {Count(definitions, "queues")} queues, {Count(definitions, "exchanges")} exchanges, {Count(definitions, "bindings")} bindings");
        });
    }

    public static Command Import(GlobalOptions global)
    {
        var file = new Argument<string>("file") { Description = "A definitions file (Courier's or RabbitMQ's export; - for standard input)" };
        return new Command("import", "Import definitions from a JSON file").With(file).Runs(global, async (c, ct) =>
        {
            string text;
            try
            {
                text = c.Value(file) == "-" ? await Console.In.ReadToEndAsync(ct).ConfigureAwait(false) : await File.ReadAllTextAsync(c.Value(file), ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new UsageError($"cannot read {c.Value(file)}: {e.Message}");
            }

            JsonNode? definitions;
            try
            {
                definitions = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw new UsageError($"{c.Value(file)} is not JSON: {e.Message}");
            }

            await c.Api.PostTextAsync("api/definitions", text, ct).ConfigureAwait(false);
            c.Done($"definitions imported from {c.Value(file)}: {Count(definitions, "vhosts")} vhosts, {Count(definitions, "users")} users, {Count(definitions, "queues")} queues, {Count(definitions, "exchanges")} exchanges, {Count(definitions, "bindings")} bindings");
        });
    }

    private static int Count(JsonNode? definitions, string section) => definitions?[section] is JsonArray items ? items.Count : 0;
}
