using RabbitMQ.Client;

namespace Courier.IntegrationTests.Model;

/// <summary>Field tables (arguments and headers) written inline: <c>Fields.Table(("x-match", "all"), ("format", "pdf"))</c>.</summary>
internal static class Fields
{
    public static Dictionary<string, object?> Table(params (string Key, object? Value)[] entries)
    {
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            table[key] = value;
        }

        return table;
    }

    /// <summary>Message properties carrying only these headers.</summary>
    public static BasicProperties Headers(params (string Key, object? Value)[] entries) => new() { Headers = Table(entries) };
}
