using Courier.Core.Messages;

namespace Courier.Core.Policies;

/// <summary>
/// The definition keys a policy may carry, validated as RabbitMQ 3.13 validates them
/// (<c>rabbit_policies</c>), and refused with a reason when Courier cannot honour them.
/// </summary>
/// <remarks>
/// <para>Keys with effect: on queues <c>message-ttl</c>, <c>expires</c>, <c>max-length</c>,
/// <c>max-length-bytes</c>, <c>overflow</c>, <c>dead-letter-exchange</c>,
/// <c>dead-letter-routing-key</c>, <c>delivery-limit</c>; on exchanges <c>alternate-exchange</c>.</para>
/// <para>Accepted without effect, as RabbitMQ 3.13's classic queues ignore them too:
/// <c>queue-mode</c> (every classic queue pages its backlog), <c>queue-version</c>, and
/// <c>max-in-memory-length</c>/<c>max-in-memory-bytes</c> (quorum-queue keys).</para>
/// <para>Refused: <c>max-priority</c> (RabbitMQ has no such policy key: a classic queue's
/// priorities are fixed when it is declared), classic mirroring (<c>ha-*</c>), federation,
/// stream and quorum-queue keys, and anything RabbitMQ does not recognise either.</para>
/// <para>Operator policies take only the limits RabbitMQ lets them set: <c>expires</c>,
/// <c>message-ttl</c>, <c>max-length</c>, <c>max-length-bytes</c>, <c>delivery-limit</c> and
/// the two <c>max-in-memory-*</c>.</para>
/// </remarks>
public static class PolicyKeys
{
    /// <summary>The keys whose policy and operator-policy values combine by taking the lower (RabbitMQ's merge strategy).</summary>
    public static readonly string[] Lowest =
        ["expires", "message-ttl", "max-length", "max-length-bytes", "delivery-limit", "max-in-memory-length", "max-in-memory-bytes"];

    /// <summary>
    /// Checks every key and value of <paramref name="definition"/>; returns it with integers as
    /// <see cref="long"/> and strings as <see cref="string"/>.
    /// </summary>
    /// <exception cref="BrokerException">PreconditionFailed naming the key and the reason.</exception>
    public static IReadOnlyDictionary<string, object?> Validate(IReadOnlyDictionary<string, object?> definition, bool operatorPolicy, string policy)
    {
        if (definition.Count == 0)
        {
            throw BrokerException.PreconditionFailed($"policy '{policy}' has an empty definition: give at least one key");
        }

        var valid = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in definition)
        {
            if (operatorPolicy && Array.IndexOf(Lowest, key) < 0)
            {
                throw Invalid(policy, key, $"an operator policy takes only {string.Join(", ", Lowest)}");
            }

            valid[key] = key switch
            {
                "message-ttl" or "max-length" or "max-length-bytes" or "delivery-limit" or "max-in-memory-length" or "max-in-memory-bytes" =>
                    Integer(policy, key, value, minimum: 0),
                "expires" => Integer(policy, key, value, minimum: 1),
                "dead-letter-exchange" or "dead-letter-routing-key" or "alternate-exchange" => Text(policy, key, value),
                "overflow" => OneOf(policy, key, value, "drop-head", "reject-publish", "reject-publish-dlx"),
                "queue-mode" => OneOf(policy, key, value, "default", "lazy"),
                "queue-version" => Integer(policy, key, value, minimum: 1) is var version && version is 1 or 2
                    ? version
                    : throw Invalid(policy, key, "must be 1 or 2"),
                _ => throw Invalid(policy, key, WhyNot(key)),
            };
        }

        return valid;
    }

    private static string WhyNot(string key) => key switch
    {
        "max-priority" => "RabbitMQ does not take max-priority from a policy (a classic queue's priorities are fixed when it is declared): declare the queue with x-max-priority",
        _ when key.StartsWith("ha-", StringComparison.Ordinal) => "classic queue mirroring is not implemented by Courier (a single node; RabbitMQ 4.0 removed it too)",
        _ when key.StartsWith("federation-", StringComparison.Ordinal) => "federation is not implemented by Courier",
        "max-age" or "max-segment-size" or "stream-max-segment-size-bytes" or "stream-filter-size-bytes" =>
            "it applies to streams, which Courier does not have",
        "queue-leader-locator" or "initial-cluster-size" or "target-group-size" or "dead-letter-strategy" or "delivery-limit-strategy" =>
            "it applies to quorum queues or a cluster, which Courier does not have",
        _ => "it is not a recognised policy setting",
    };

    private static long Integer(string policy, string key, object? value, long minimum)
    {
        if (!FieldTable.TryGetInt64(new Dictionary<string, object?> { [key] = value }, key, out var number))
        {
            throw Invalid(policy, key, $"must be an integer, not {Describe(value)}");
        }

        return number >= minimum ? number : throw Invalid(policy, key, $"must be at least {minimum}, got {number}");
    }

    private static string Text(string policy, string key, object? value) => value switch
    {
        string text => text,
        byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? text : throw Invalid(policy, key, FieldTable.NotUtf8),
        _ => throw Invalid(policy, key, $"must be a string, not {Describe(value)}"),
    };

    private static string OneOf(string policy, string key, object? value, params string[] allowed)
    {
        var text = Text(policy, key, value);
        return Array.IndexOf(allowed, text) >= 0 ? text : throw Invalid(policy, key, $"'{text}' is not one of: {string.Join(", ", allowed)}");
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string => "a string",
        bool => "a boolean",
        float or double or decimal => "a number with a fraction",
        _ => value.GetType().Name,
    };

    private static BrokerException Invalid(string policy, string key, string reason) =>
        BrokerException.PreconditionFailed($"policy '{policy}': key '{key}' is refused: {reason}");
}
