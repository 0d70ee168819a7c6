using Courier.Core.Policies;

namespace Courier.Core.Queues;

/// <summary>
/// Policies: the queue's effective arguments are its declare arguments combined with the policy
/// that applies (<see cref="AppliedPolicy.Over"/>), recomputed when the policy changes and applied
/// at once, as RabbitMQ's classic queue applies a policy change to a running queue.
/// </summary>
/// <remarks>
/// As in RabbitMQ, a lower length limit trims (or dead-letters) the head at once; a new
/// <c>expires</c> counts from now; a new <c>message-ttl</c> applies to messages that arrive from
/// then on (a message's deadline is fixed on arrival, <see cref="ClassicQueue"/>'s expiry remarks);
/// <c>x-max-priority</c> and the consumer modes are never taken from a policy.
/// </remarks>
public sealed partial class ClassicQueue
{
    // The declare arguments as parsed; Arguments is these with the policy's keys.
    private QueueArguments _declared;

    public AppliedPolicy? Policy { get; private set; }

    public void ApplyPolicy(AppliedPolicy? policy)
    {
        List<DeadLetter>? dead;
        using (EnterGate())
        {
            if (_deleted)
            {
                return;
            }

            Policy = policy;
            var before = Arguments;
            Arguments = EffectiveArguments();
            if (before.Expires != Arguments.Expires)
            {
                RestartExpiryTimerLocked();
            }

            ApplyLimitsLocked();
            dead = TakeDeadLocked();
        }

        AfterLock(dead);
    }

    private QueueArguments EffectiveArguments() => Policy?.Over(_declared, Definition.Arguments) ?? _declared;
}
