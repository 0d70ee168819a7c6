namespace Courier.Amqp091.Connections;

/// <summary>The RabbitMQ extensions a client said it understands, from connection.start-ok's client properties.</summary>
internal sealed record ClientCapabilities
{
    public static readonly ClientCapabilities None = new();

    public bool ConsumerCancelNotify { get; init; }

    public bool ConnectionBlocked { get; init; }

    public bool AuthenticationFailureClose { get; init; }

    public static ClientCapabilities From(IReadOnlyDictionary<string, object?> clientProperties)
    {
        if (!clientProperties.TryGetValue("capabilities", out var value) || value is not IReadOnlyDictionary<string, object?> table)
        {
            return None;
        }

        return new ClientCapabilities
        {
            ConsumerCancelNotify = IsTrue(table, "consumer_cancel_notify"),
            ConnectionBlocked = IsTrue(table, "connection.blocked"),
            AuthenticationFailureClose = IsTrue(table, "authentication_failure_close"),
        };
    }

    private static bool IsTrue(IReadOnlyDictionary<string, object?> table, string key) =>
        table.TryGetValue(key, out var v) && v is true;

    public static IReadOnlyDictionary<string, object?> ServerCapabilities { get; } = new Dictionary<string, object?>
    {
        ["publisher_confirms"] = true,
        ["exchange_exchange_bindings"] = true,
        ["basic.nack"] = true,
        ["consumer_cancel_notify"] = true,
        ["connection.blocked"] = true,
        ["authentication_failure_close"] = true,
        ["per_consumer_qos"] = true,
        ["direct_reply_to"] = true,
    };
}
