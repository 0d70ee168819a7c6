using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Courier.Cli.Output;

/// <summary>Reads a (dotted) field of an API object and renders it as a table cell.</summary>
internal static class Fields
{
    /// <summary>The node at <paramref name="path"/> (<c>a.b</c> for a nested field), or null.</summary>
    public static JsonNode? At(JsonNode? item, string path)
    {
        if (item is JsonObject whole && whole.TryGetPropertyValue(path, out var direct))
        {
            return direct;
        }

        JsonNode? node = item;
        foreach (string part in path.Split('.'))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(part, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>A cell: strings as they are, booleans in lower case, lists of scalars comma-separated, objects as compact JSON.</summary>
    public static string Cell(JsonNode? node) => node switch
    {
        null => string.Empty,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>() ? "true" : "false",
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => Number(value),
        JsonArray array when array.All(e => e is JsonValue) => string.Join(",", array.Select(Cell)),
        _ => node.ToJsonString(),
    };

    private static string Number(JsonValue value) =>
        value.TryGetValue(out long integer) ? integer.ToString(CultureInfo.InvariantCulture) : value.ToJsonString();
}
