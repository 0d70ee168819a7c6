using System.Text.RegularExpressions;
using Courier.Core.Security;

namespace Courier.Core.Policies;

/// <summary>What a policy applies to (RabbitMQ's <c>apply-to</c>).</summary>
public enum PolicyTarget
{
    Queues,
    Exchanges,
    All,

    /// <summary>RabbitMQ 3.12's <c>classic_queues</c>: every Courier queue is a classic queue, so the same as <see cref="Queues"/>.</summary>
    ClassicQueues,
}

/// <summary>
/// A policy or an operator policy of one vhost, as RabbitMQ defines them: a regular expression on
/// the names of queues and/or exchanges, a priority (the highest-priority match is the one that
/// applies), and a definition of keys (<c>max-length</c>, <c>dead-letter-exchange</c>, ...) already
/// validated by <see cref="PolicyKeys"/>.
/// </summary>
public sealed class Policy
{
    private Policy(string name, string pattern, PolicyTarget applyTo, int priority, IReadOnlyDictionary<string, object?> definition, Regex regex)
    {
        Name = name;
        Pattern = pattern;
        ApplyTo = applyTo;
        Priority = priority;
        Definition = definition;
        Matcher = regex;
    }

    public string Name { get; }

    /// <summary>The regular expression matched against names (unanchored, as RabbitMQ's: <c>^</c> and <c>$</c> anchor it).</summary>
    public string Pattern { get; }

    public PolicyTarget ApplyTo { get; }

    public int Priority { get; }

    /// <summary>The keys and values, with values as JSON numbers and strings arrive: <see cref="long"/> and <see cref="string"/>.</summary>
    public IReadOnlyDictionary<string, object?> Definition { get; }

    private Regex Matcher { get; }

    /// <summary>The <c>apply-to</c> value as RabbitMQ writes it.</summary>
    public string ApplyToName => NameOf(ApplyTo);

    /// <summary>
    /// Makes a policy, refusing (precondition failed, naming the reason) a pattern that is no
    /// regular expression, an <c>apply-to</c> Courier cannot honour, and a definition key or value
    /// <see cref="PolicyKeys"/> does not accept.
    /// </summary>
    /// <param name="operatorPolicy">True for an operator policy, whose keys are the limits only.</param>
    public static Policy Create(string name, string pattern, string applyTo, int priority, IReadOnlyDictionary<string, object?> definition, bool operatorPolicy)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw BrokerException.PreconditionFailed("a policy needs a name");
        }

        Regex regex;
        try
        {
            regex = OperatorPattern.Compile(pattern);
        }
        catch (ArgumentException invalid)
        {
            throw BrokerException.PreconditionFailed($"pattern '{pattern}' of policy '{name}' is not a regular expression: {invalid.Message}");
        }

        var target = ParseTarget(applyTo, operatorPolicy);
        var checkedDefinition = PolicyKeys.Validate(definition, operatorPolicy, name);
        return new Policy(name, pattern, target, priority, checkedDefinition, regex);
    }

    /// <summary>True when this policy applies to a queue (<paramref name="isQueue"/>) or an exchange of this name.</summary>
    public bool Matches(string objectName, bool isQueue) =>
        (isQueue ? ApplyTo is PolicyTarget.Queues or PolicyTarget.ClassicQueues or PolicyTarget.All : ApplyTo is PolicyTarget.Exchanges or PolicyTarget.All)
        && Matcher.IsMatch(objectName);

    private static PolicyTarget ParseTarget(string applyTo, bool operatorPolicy) => applyTo switch
    {
        "queues" => PolicyTarget.Queues,
        "classic_queues" => PolicyTarget.ClassicQueues,
        "all" => PolicyTarget.All,
        "exchanges" when !operatorPolicy => PolicyTarget.Exchanges,
        "exchanges" => throw BrokerException.PreconditionFailed("an operator policy applies to queues only (its keys are queue limits): apply-to must be queues, classic_queues or all"),
        "quorum_queues" or "streams" => throw BrokerException.PreconditionFailed(
            $"apply-to '{applyTo}' is not supported: Courier has classic queues only (apply-to queues, classic_queues, exchanges or all)"),
        _ => throw BrokerException.PreconditionFailed($"'{applyTo}' is not a valid apply-to value: queues, classic_queues, exchanges or all"),
    };

    private static string NameOf(PolicyTarget target) => target switch
    {
        PolicyTarget.Queues => "queues",
        PolicyTarget.Exchanges => "exchanges",
        PolicyTarget.ClassicQueues => "classic_queues",
        _ => "all",
    };
}
