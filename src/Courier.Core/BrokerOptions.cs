namespace Courier.Core;

/// <summary>Limits and defaults of the broker core, independent of any protocol.</summary>
public sealed record BrokerOptions
{
    /// <summary>The user created when the broker starts with no users (RabbitMQ's guest).</summary>
    public string DefaultUser { get; init; } = "guest";

    public string DefaultPassword { get; init; } = "guest";

    /// <summary>
    /// The operator configured the default user: it is set (password, <c>administrator</c>, every
    /// permission on the default vhost) at every start, over what the definitions store kept,
    /// instead of only when the broker starts with no users. Other stored users stay as they are.
    /// </summary>
    public bool ApplyDefaultUserOnEveryStart { get; init; }

    public string DefaultVirtualHost { get; init; } = "/";

    /// <summary>Users who may connect only from a loopback address (RabbitMQ's <c>loopback_users</c>).</summary>
    public IReadOnlyList<string> LoopbackUsers { get; init; } = ["guest"];

    /// <summary>Largest message body accepted, checked before the body is allocated (RabbitMQ's default is 128 MiB).</summary>
    public long MaxMessageSize { get; init; } = 128L * 1024 * 1024;
}
