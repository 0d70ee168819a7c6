namespace Courier.Core.Storage;

/// <summary>
/// The durable definitions of the whole node, as the definition store saves and loads them:
/// what must come back after a restart. Transient and exclusive things are never in it.
/// </summary>
public sealed record DefinitionSnapshot
{
    public List<VirtualHostRecord> VirtualHosts { get; init; } = [];

    public List<UserRecord> Users { get; init; } = [];

    public List<PermissionRecord> Permissions { get; init; } = [];

    public List<TopicPermissionRecord> TopicPermissions { get; init; } = [];

    /// <summary>Vhost limits (<c>max-connections</c>, <c>max-queues</c>), one record per limit set.</summary>
    public List<LimitRecord> VirtualHostLimits { get; init; } = [];

    /// <summary>User limits (<c>max-connections</c>, <c>max-channels</c>), one record per limit set.</summary>
    public List<LimitRecord> UserLimits { get; init; } = [];

    /// <summary>The highest queue store id handed out, so ids are never reused.</summary>
    public int LastQueueStoreId { get; init; }
}

public sealed record VirtualHostRecord
{
    public required string Name { get; init; }

    public List<ExchangeRecord> Exchanges { get; init; } = [];

    public List<QueueRecord> Queues { get; init; } = [];

    public List<BindingRecord> Bindings { get; init; } = [];

    /// <summary>The vhost's policies and operator policies (<see cref="PolicyRecord.Operator"/>).</summary>
    public List<PolicyRecord> Policies { get; init; } = [];
}

public sealed record ExchangeRecord(string Name, string Type, bool AutoDelete, bool Internal, IReadOnlyDictionary<string, object?> Arguments);

/// <summary>A durable queue; <see cref="StoreId"/> names it in journal records, <see cref="Type"/> is its queue type's name.</summary>
public sealed record QueueRecord(string Name, int StoreId, bool AutoDelete, IReadOnlyDictionary<string, object?> Arguments, string Type = Queues.ClassicQueueType.TypeName);

public sealed record BindingRecord(string Source, string Destination, bool DestinationIsQueue, string RoutingKey, IReadOnlyDictionary<string, object?> Arguments);

/// <summary>A policy (or, with <see cref="Operator"/>, an operator policy) as RabbitMQ defines one; <see cref="Definition"/> holds longs and strings.</summary>
public sealed record PolicyRecord(string Name, string Pattern, string ApplyTo, int Priority, IReadOnlyDictionary<string, object?> Definition, bool Operator);

public sealed record UserRecord(string Name, byte[] Salt, byte[] PasswordHash, IReadOnlyList<string> Tags);

public sealed record PermissionRecord(string User, string VirtualHost, string Configure, string Write, string Read);

/// <summary>One limit of a vhost or a user (<paramref name="Owner"/>), as RabbitMQ names it.</summary>
public sealed record LimitRecord(string Owner, string Name, int Value);

public sealed record TopicPermissionRecord(string User, string VirtualHost, string Exchange, string Write, string Read);

/// <summary>Saves and loads <see cref="DefinitionSnapshot"/>s. A save returns only once the snapshot is durable.</summary>
public interface IDefinitionStore
{
    DefinitionSnapshot? Load();

    void Save(DefinitionSnapshot snapshot);
}
