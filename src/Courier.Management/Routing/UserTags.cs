using Courier.Core.Security;

namespace Courier.Management.Routing;

/// <summary>
/// What a user may do through the management API, from its tags, as RabbitMQ's: <c>management</c>
/// sees and changes what its permissions allow in its vhosts; <c>policymaker</c> adds policies;
/// <c>monitoring</c> sees every vhost, connection and the node; <c>administrator</c> does everything.
/// </summary>
public enum AccessLevel
{
    None = 0,
    Management = 1,
    PolicyMaker = 2,
    Monitoring = 3,
    Administrator = 4,
}

public static class UserTags
{
    public static bool Has(User user, string tag)
    {
        foreach (var t in user.Tags)
        {
            if (string.Equals(t, tag, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when the user's tags give it <paramref name="level"/> (policymaker and monitoring both include management; administrator includes all).</summary>
    public static bool Allows(User user, AccessLevel level) => level switch
    {
        AccessLevel.None => true,
        AccessLevel.Management => Has(user, "management") || Has(user, "policymaker") || Has(user, "monitoring") || Has(user, "administrator"),
        AccessLevel.PolicyMaker => Has(user, "policymaker") || Has(user, "administrator"),
        AccessLevel.Monitoring => Has(user, "monitoring") || Has(user, "administrator"),
        _ => Has(user, "administrator"),
    };

    /// <summary>RabbitMQ's words when a tag is missing.</summary>
    public static string Refusal(AccessLevel level) => level switch
    {
        AccessLevel.Management => "Not management user",
        AccessLevel.PolicyMaker => "Not policymaker user",
        AccessLevel.Monitoring => "Not monitor user",
        _ => "Not administrator user",
    };

    /// <summary>Tags as RabbitMQ accepts them: a JSON array, or one string separated by commas.</summary>
    public static string[] Parse(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
