namespace Courier.Core;

/// <summary>Limits and defaults of the broker core, independent of any protocol.</summary>
public sealed record BrokerOptions
{
    /// <summary>The user created when the broker starts with no users (RabbitMQ's guest).</summary>
    public string DefaultUser { get; init; } = "guest";

    public string DefaultPassword { get; init; } = "guest";

    public string DefaultVirtualHost { get; init; } = "/";

    /// <summary>Users who may connect only from a loopback address (RabbitMQ's <c>loopback_users</c>).</summary>
    public IReadOnlyList<string> LoopbackUsers { get; init; } = ["guest"];

    /// <summary>Largest message body accepted, checked before the body is allocated (RabbitMQ's default is 128 MiB).</summary>
    public long MaxMessageSize { get; init; } = 128L * 1024 * 1024;
}
