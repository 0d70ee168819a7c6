using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Courier.Core.VirtualHosts;

/// <summary>
/// Direct reply-to: a requester consumes from the pseudo-queue <c>amq.rabbitmq.reply-to</c> and
/// publishes with that as its reply-to; the broker rewrites it to a unique name, and a reply
/// published to the default exchange with that name as routing key goes straight to the requester.
/// </summary>
public sealed partial class VirtualHost
{
    /// <summary>The pseudo-queue a requester consumes from and names in reply-to.</summary>
    public const string DirectReplyQueue = "amq.rabbitmq.reply-to";

    private const string DirectReplyPrefix = DirectReplyQueue + ".";

    private readonly ConcurrentDictionary<string, IReplyTarget> _replyTargets = new(StringComparer.Ordinal);

    /// <summary>Registers a reply target and returns the reply-to name that reaches it.</summary>
    public string RegisterReplyTarget(IReplyTarget target)
    {
        while (true)
        {
            var name = DirectReplyPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
            if (_replyTargets.TryAdd(name, target))
            {
                return name;
            }
        }
    }

    public void UnregisterReplyTarget(string name) => _replyTargets.TryRemove(name, out _);

    /// <summary>True for a routing key naming a direct reply-to target (whether or not it still exists).</summary>
    public static bool IsDirectReplyName(string routingKey) => routingKey.StartsWith(DirectReplyPrefix, StringComparison.Ordinal);

    private bool TryRouteDirectReply(string routingKey, RoutingResult result)
    {
        if (!IsDirectReplyName(routingKey))
        {
            return false;
        }

        result.ReplyTarget = _replyTargets.TryGetValue(routingKey, out var target) ? target : null;
        return true;
    }
}
