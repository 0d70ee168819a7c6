using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Core.Messages;
using Courier.Management.Routing;

namespace Courier.Management.Json;

/// <summary>Arguments and headers between the core's field tables and JSON, as RabbitMQ's API shows them.</summary>
public static class FieldValues
{
    public static JsonObject ToJson(IReadOnlyDictionary<string, object?>? table)
    {
        var json = new JsonObject();
        if (table is null)
        {
            return json;
        }

        foreach (var (key, value) in table)
        {
            json[key] = ToJson(value);
        }

        return json;
    }

    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        string s => s,
        byte[] b => Encoding.UTF8.GetString(b),
        BinaryValue b => Convert.ToBase64String(b.Bytes),
        bool b => b,
        sbyte or byte or short or ushort or int or uint or long => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        ulong u => u,
        float f => f,
        double d => d,
        decimal m => m,
        Timestamp t => t.UnixSeconds,
        IReadOnlyDictionary<string, object?> table => ToJson(table),
        IEnumerable<object?> list => new JsonArray([.. list.Select(ToJson)]),
        _ => value.ToString(),
    };

    /// <summary>A JSON object of arguments as a field table: integers become longs, other numbers doubles; 400 when not an object.</summary>
    public static IReadOnlyDictionary<string, object?> FromJson(JsonNode? node, string what)
    {
        if (node is null)
        {
            return FieldTable.Empty;
        }

        if (node is not JsonObject obj)
        {
            throw ApiException.BadRequest($"{what} must be a JSON object");
        }

        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in obj)
        {
            table[key] = FromJsonValue(value);
        }

        return table;
    }

    private static object? FromJsonValue(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => FromJson(o, "a nested table"),
        JsonArray a => a.Select(FromJsonValue).ToList(),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when v.TryGetValue(out long l) => l,
            JsonValueKind.Number => v.GetValue<double>(),
            _ => null,
        },
        _ => null,
    };

    public static string? String(JsonObject body, string name)
    {
        var node = body[name];
        return node is null ? null
            : node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw ApiException.BadRequest($"{name} must be a string");
    }

    public static bool Bool(JsonObject body, string name, bool fallback)
    {
        var node = body[name];
        if (node is null)
        {
            return fallback;
        }

        // rabbitmqadmin sends booleans as JSON strings ("true").
        return node is JsonValue v && v.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetValue<string>(), out var parsed) => parsed,
            _ => throw ApiException.BadRequest($"{name} must be true or false"),
        };
    }

    public static long? Long(JsonObject body, string name)
    {
        var node = body[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue v)
        {
            if (v.TryGetValue(out long l))
            {
                return l;
            }

            if (v.GetValueKind() == JsonValueKind.String && long.TryParse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out l))
            {
                return l;
            }
        }

        throw ApiException.BadRequest($"{name} must be an integer");
    }

    /// <summary>Refuses fields the API does not implement, so that nothing asked is silently ignored.</summary>
    public static void OnlyKnown(JsonObject body, params string[] known)
    {
        foreach (var (key, _) in body)
        {
            if (Array.IndexOf(known, key) < 0)
            {
                throw ApiException.BadRequest($"unknown field '{key}'; this endpoint takes: {string.Join(", ", known)}");
            }
        }
    }
}
