using Courier.Core.Exchanges;
using Courier.Core.Policies;
using Courier.Core.Storage;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// The vhost's policies and operator policies: set and cleared under the definitions lock, saved
/// with the definitions, and applied at once to every queue and exchange they match, as well as to
/// those declared later.
/// </summary>
/// <remarks>
/// Which policy applies is decided as RabbitMQ decides it (<c>rabbit_policy:match</c>): among the
/// policies whose <c>apply-to</c> and pattern match the name, the one with the highest priority
/// (ties: the first by name); likewise one operator policy. Setting or clearing one recomputes
/// every queue and exchange of the vhost, which is linear in their number and happens only on an
/// administrative change.
/// </remarks>
public sealed partial class VirtualHost
{
    private readonly SortedDictionary<string, Policy> _policies = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, Policy> _operatorPolicies = new(StringComparer.Ordinal);

    /// <summary>A snapshot of the vhost's policies (<paramref name="operatorPolicies"/>: its operator policies), by name.</summary>
    public IReadOnlyList<Policy> GetPolicies(bool operatorPolicies)
    {
        lock (_definitions)
        {
            return [.. Store(operatorPolicies).Values];
        }
    }

    public bool TryGetPolicy(string name, bool operatorPolicy, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Policy? policy)
    {
        lock (_definitions)
        {
            return Store(operatorPolicy).TryGetValue(name, out policy);
        }
    }

    /// <summary>Adds or replaces a policy and applies it to every queue and exchange; true when it is new.</summary>
    public bool SetPolicy(Policy policy, bool operatorPolicy)
    {
        lock (_definitions)
        {
            var store = Store(operatorPolicy);
            var created = !store.ContainsKey(policy.Name);
            store[policy.Name] = policy;
            ApplyPoliciesLocked();
            return created;
        }
    }

    /// <summary>Removes a policy; what it set falls back to the next match or the objects' own arguments. False when there was none.</summary>
    public bool ClearPolicy(string name, bool operatorPolicy)
    {
        lock (_definitions)
        {
            if (!Store(operatorPolicy).Remove(name))
            {
                return false;
            }

            ApplyPoliciesLocked();
            return true;
        }
    }

    private SortedDictionary<string, Policy> Store(bool operatorPolicies) => operatorPolicies ? _operatorPolicies : _policies;

    /// <summary>What applies to a queue (<paramref name="isQueue"/>) or an exchange named <paramref name="name"/>; null: nothing.</summary>
    private AppliedPolicy? PolicyForLocked(string name, bool isQueue)
    {
        if (_policies.Count == 0 && _operatorPolicies.Count == 0)
        {
            return null;
        }

        return AppliedPolicy.Of(Winner(_policies, name, isQueue), isQueue ? Winner(_operatorPolicies, name, isQueue) : null);
    }

    private static Policy? Winner(SortedDictionary<string, Policy> policies, string name, bool isQueue)
    {
        Policy? winner = null;
        foreach (var policy in policies.Values)
        {
            if ((winner is null || policy.Priority > winner.Priority) && policy.Matches(name, isQueue))
            {
                winner = policy;
            }
        }

        return winner;
    }

    /// <summary>Recomputes what applies to every queue and exchange, applies it, and saves the definitions.</summary>
    private void ApplyPoliciesLocked()
    {
        foreach (var queue in _queues.Values)
        {
            queue.ApplyPolicy(PolicyForLocked(queue.Name, isQueue: true));
        }

        ApplyExchangePoliciesLocked();
        _definitionsChanged = true;
        SaveDefinitionsIfChangedLocked();
    }

    private void AddPolicyRecordsLocked(VirtualHostRecord record)
    {
        foreach (var (policies, isOperator) in new[] { (_policies, false), (_operatorPolicies, true) })
        {
            foreach (var policy in policies.Values)
            {
                record.Policies.Add(new PolicyRecord(policy.Name, policy.Pattern, policy.ApplyToName, policy.Priority, policy.Definition, isOperator));
            }
        }
    }

    /// <summary>Puts back saved policies, before the queues and exchanges they apply to; one that no longer validates is left out, with a warning.</summary>
    private void RestorePoliciesLocked(VirtualHostRecord record)
    {
        foreach (var saved in record.Policies)
        {
            try
            {
                Store(saved.Operator)[saved.Name] = Policy.Create(saved.Name, saved.Pattern, saved.ApplyTo, saved.Priority, saved.Definition, saved.Operator);
            }
            catch (BrokerException invalid)
            {
                _broker?.Warn($"policy '{saved.Name}' in vhost '{Name}' is not restored: {invalid.Message}");
            }
        }
    }

    /// <summary>Gives every exchange the policy that applies to it now.</summary>
    private void ApplyExchangePoliciesLocked()
    {
        foreach (var exchange in _exchanges.Values)
        {
            if (exchange is not DefaultExchange)
            {
                exchange.Policy = PolicyForLocked(exchange.Name, isQueue: false);
            }
        }
    }
}
