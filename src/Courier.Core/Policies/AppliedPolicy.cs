using Courier.Core.Queues;

namespace Courier.Core.Policies;

/// <summary>
/// What applies to one queue or exchange: the one policy that wins (highest priority), the one
/// operator policy that wins, and their effective definition, as RabbitMQ shows it in
/// <c>effective_policy_definition</c>.
/// </summary>
/// <remarks>
/// As in RabbitMQ (<c>rabbit_policy:effective_definition</c>), definitions are never merged across
/// policies of one kind: only the winner's keys count. The operator policy's keys are added to the
/// policy's, and for a key both give the lower value applies (<see cref="PolicyKeys.Lowest"/>).
/// </remarks>
public sealed record AppliedPolicy
{
    private AppliedPolicy(Policy? policy, Policy? operatorPolicy, IReadOnlyDictionary<string, object?> definition)
    {
        Policy = policy;
        OperatorPolicy = operatorPolicy;
        Definition = definition;
    }

    public Policy? Policy { get; }

    public Policy? OperatorPolicy { get; }

    /// <summary>The policy's keys, with the operator policy's combined in.</summary>
    public IReadOnlyDictionary<string, object?> Definition { get; }

    /// <summary>What applies when <paramref name="policy"/> and <paramref name="operatorPolicy"/> win; null when neither does.</summary>
    public static AppliedPolicy? Of(Policy? policy, Policy? operatorPolicy)
    {
        if (policy is null && operatorPolicy is null)
        {
            return null;
        }

        var definition = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (policy is not null)
        {
            foreach (var (key, value) in policy.Definition)
            {
                definition[key] = value;
            }
        }

        if (operatorPolicy is not null)
        {
            foreach (var (key, value) in operatorPolicy.Definition)
            {
                definition[key] = definition.TryGetValue(key, out var own) && own is long mine && value is long theirs ? Math.Min(mine, theirs) : value;
            }
        }

        return new AppliedPolicy(policy, operatorPolicy, definition);
    }

    public long? Integer(string key) => Definition.TryGetValue(key, out var value) && value is long number ? number : null;

    public string? Text(string key) => Definition.TryGetValue(key, out var value) ? value as string : null;

    /// <summary>
    /// A queue's effective arguments: its own (<paramref name="own"/>, parsed from
    /// <paramref name="declared"/>) with this policy's keys, combined as RabbitMQ's classic queue
    /// does (<c>rabbit_amqqueue_process:process_args_policy</c>): for <c>message-ttl</c>,
    /// <c>expires</c>, <c>max-length</c>, <c>max-length-bytes</c> and <c>delivery-limit</c> the
    /// lower of the argument and the policy; for <c>overflow</c> and the dead-letter keys the
    /// queue's own argument when it has one.
    /// </summary>
    public QueueArguments Over(QueueArguments own, IReadOnlyDictionary<string, object?> declared)
    {
        var effective = own with
        {
            MessageTtl = Lower(own.MessageTtl, Integer("message-ttl")),
            Expires = Lower(own.Expires, Integer("expires")),
            MaxLength = Lower(own.MaxLength, Integer("max-length")),
            MaxLengthBytes = Lower(own.MaxLengthBytes, Integer("max-length-bytes")),
            DeliveryLimit = Lower(own.DeliveryLimit, Integer("delivery-limit")),
            Overflow = declared.ContainsKey("x-overflow") || Text("overflow") is not { } overflow ? own.Overflow : ParseOverflow(overflow),
            DeadLetterExchange = declared.ContainsKey("x-dead-letter-exchange") ? own.DeadLetterExchange : Text("dead-letter-exchange") ?? own.DeadLetterExchange,
            DeadLetterRoutingKey = declared.ContainsKey("x-dead-letter-routing-key") ? own.DeadLetterRoutingKey : Text("dead-letter-routing-key") ?? own.DeadLetterRoutingKey,
        };
        return effective == QueueArguments.None ? QueueArguments.None : effective;
    }

    private static long? Lower(long? own, long? policy) => own is { } a && policy is { } b ? Math.Min(a, b) : own ?? policy;

    private static OverflowBehaviour ParseOverflow(string overflow) => overflow switch
    {
        "reject-publish" => OverflowBehaviour.RejectPublish,
        "reject-publish-dlx" => OverflowBehaviour.RejectPublishDlx,
        _ => OverflowBehaviour.DropHead,
    };
}
