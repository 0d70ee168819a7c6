using RabbitMQ.Client;

namespace Courier.IntegrationTests.Deduplication;

/// <summary>What the de-duplication tests publish with.</summary>
internal static class DeduplicationShortcuts
{
    /// <summary>A persistent message carrying <c>x-deduplication-header</c> and, when given, its own <c>x-cache-ttl</c>.</summary>
    public static BasicProperties Keyed(string key, long? ttlMs = null)
    {
        var headers = new Dictionary<string, object?> { ["x-deduplication-header"] = key };
        if (ttlMs is { } ttl)
        {
            headers["x-cache-ttl"] = ttl;
        }

        return new BasicProperties { Headers = headers, DeliveryMode = DeliveryModes.Persistent };
    }
}
