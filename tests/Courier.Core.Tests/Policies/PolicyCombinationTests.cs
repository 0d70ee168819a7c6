using Courier.Core.Messages;
using Courier.Core.Policies;
using Courier.Core.Queues;
using Microsoft.Extensions.Time.Testing;

namespace Courier.Core.Tests.Policies;

/// <summary>
/// How a policy, an operator policy and a queue's own arguments combine (RabbitMQ's rules), and a
/// policy's <c>expires</c> applied to a running queue on a fake clock.
/// </summary>
public sealed class PolicyCombinationTests
{
    private static Policy Make(string name, Dictionary<string, object?> definition, bool operatorPolicy = false, string applyTo = "queues", int priority = 0) =>
        Policy.Create(name, ".*", applyTo, priority, definition, operatorPolicy);

    [Fact]
    public void For_a_key_both_give_the_operator_policy_and_the_policy_combine_to_the_lower_and_other_keys_are_kept()
    {
        var applied = AppliedPolicy.Of(
            Make("p", new() { ["max-length"] = 10, ["dead-letter-exchange"] = "dlx", ["message-ttl"] = 100 }),
            Make("op", new() { ["max-length"] = 20, ["message-ttl"] = 50, ["expires"] = 9000 }, operatorPolicy: true))!;

        Assert.Equal(10L, applied.Integer("max-length"));
        Assert.Equal(50L, applied.Integer("message-ttl"));
        Assert.Equal(9000L, applied.Integer("expires"));
        Assert.Equal("dlx", applied.Text("dead-letter-exchange"));
        Assert.Null(AppliedPolicy.Of(null, null));
    }

    [Fact]
    public void Limits_take_the_lower_of_argument_and_policy_and_the_argument_wins_for_overflow_and_dead_lettering()
    {
        var declared = new Dictionary<string, object?> { ["x-max-length"] = 3, ["x-message-ttl"] = 100, ["x-overflow"] = "reject-publish", ["x-dead-letter-exchange"] = "mine" };
        var own = QueueArguments.Parse(declared, "queue 'q'");
        var applied = AppliedPolicy.Of(Make("p", new() { ["max-length"] = 5, ["message-ttl"] = 10, ["overflow"] = "drop-head", ["dead-letter-exchange"] = "theirs", ["max-length-bytes"] = 64 }), null)!;

        var effective = applied.Over(own, declared);

        Assert.Equal(3, effective.MaxLength);
        Assert.Equal(10, effective.MessageTtl);
        Assert.Equal(64, effective.MaxLengthBytes);
        Assert.Equal(OverflowBehaviour.RejectPublish, effective.Overflow);
        Assert.Equal("mine", effective.DeadLetterExchange);

        var plain = applied.Over(QueueArguments.None, FieldTable.Empty);
        Assert.Equal(OverflowBehaviour.DropHead, plain.Overflow);
        Assert.Equal("theirs", plain.DeadLetterExchange);
    }

    [Fact]
    public void A_policy_applies_to_what_its_apply_to_names()
    {
        Assert.True(Make("q", new() { ["max-length"] = 1 }).Matches("orders", isQueue: true));
        Assert.False(Make("q", new() { ["max-length"] = 1 }).Matches("orders", isQueue: false));
        Assert.True(Make("x", new() { ["alternate-exchange"] = "ae" }, applyTo: "exchanges").Matches("orders", isQueue: false));
        Assert.True(Make("a", new() { ["max-length"] = 1 }, applyTo: "all").Matches("orders", isQueue: false));
        Assert.False(Policy.Create("anchored", "^ord$", "all", 0, new Dictionary<string, object?> { ["max-length"] = 1 }, operatorPolicy: false).Matches("orders", isQueue: true));
        Assert.Throws<BrokerException>(() => Make("op", new() { ["max-length"] = 1 }, operatorPolicy: true, applyTo: "exchanges"));

        // A back-reference, which the non-backtracking engine cannot run, still works as in RabbitMQ's PCRE.
        Assert.True(Policy.Create("twice", "^(ab)\\1$", "queues", 0, new Dictionary<string, object?> { ["max-length"] = 1 }, operatorPolicy: false).Matches("abab", isQueue: true));
    }

    [Fact]
    public void A_policys_expires_deletes_an_idle_queue_and_clearing_it_keeps_the_queue()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(20000));
        var host = new ExpiryHost();
        var kept = new ClassicQueue("kept", "/", new QueueDefinition(), null, 0, null, null, arguments: null, host, clock);
        var expiring = new ClassicQueue("expiring", "/", new QueueDefinition(), null, 0, null, null, arguments: null, host, clock);
        var policy = AppliedPolicy.Of(Make("idle", new() { ["expires"] = 1_000 }), null);

        kept.ApplyPolicy(policy);
        expiring.ApplyPolicy(policy);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        kept.ApplyPolicy(null);
        clock.Advance(TimeSpan.FromMilliseconds(600));

        Assert.Same(expiring, Assert.Single(host.Expired));
        Assert.Null(kept.Arguments.Expires);
    }

    private sealed class ExpiryHost : IQueueHost
    {
        public List<IQueue> Expired { get; } = [];

        public void PublishDeadLetter(Message letter, IQueue from, DeathReason reason)
        {
        }

        public void DeleteExpired(IQueue queue) => Expired.Add(queue);
    }
}
