using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Courier.Core.Delayed;
using Courier.Core.Queues;
using Courier.Core.Resources;
using Courier.Core.Security;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;

namespace Courier.Core;

/// <summary>
/// The root of the core model: the vhosts, the users and the options. One per node; every
/// protocol listener shares it.
/// </summary>
public sealed partial class Broker
{
    private readonly ConcurrentDictionary<string, VirtualHost> _virtualHosts = new(StringComparer.Ordinal);
    private readonly Lock _saveGate = new();
    private readonly Dictionary<string, VirtualHostRecord> _savedVirtualHosts = new(StringComparer.Ordinal);
    private int _lastQueueStoreId;
    private bool _restored;

    public Broker(BrokerOptions options)
        : this(options, store: null, definitions: null)
    {
    }

    /// <summary>
    /// A broker whose durable queues keep persistent messages in <paramref name="store"/> and whose
    /// durable definitions are saved in <paramref name="definitions"/>; call <see cref="Restore"/>
    /// with what they recovered before accepting clients.
    /// </summary>
    public Broker(BrokerOptions options, IMessageStore? store, IDefinitionStore? definitions, ResourceMonitor? resources = null)
    {
        Options = options;
        Resources = resources ?? ResourceMonitor.Unlimited();
        Resources.PagingNeeded += OnPagingNeeded;
        Store = store;
        Definitions = definitions;
        AddVirtualHost(options.DefaultVirtualHost);
        Users.AddOrReplace(options.DefaultUser, options.DefaultPassword, "administrator");
        Users.SetPermission(options.DefaultUser, options.DefaultVirtualHost, Permission.All);
    }

    public BrokerOptions Options { get; }

    /// <summary>Where the core reports what an operator should know and no client is told (the host logs it); nothing by default.</summary>
    public Action<string> Warn { get; init; } = static _ => { };

    /// <summary>The queue types declarations and recovery can make, by <c>x-queue-type</c> name.</summary>
    public QueueTypeRegistry QueueTypes { get; init; } = QueueTypeRegistry.Default;

    /// <summary>Where de-duplication exchanges with disk persistence keep their keys; null keeps them in memory only.</summary>
    public Deduplication.IDeduplicationLogStore? DeduplicationLogs { get; init; }

    /// <summary>Where protocols keep durable per-key state (MQTT retained messages); null keeps it in memory only.</summary>
    public IKeyedLogStore? KeyedLogs { get; init; }

    /// <summary>The clock of time-based behaviour in the model (de-duplication TTLs).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The scheduler of delayed exchanges; null for a node without a store (which then refuses them).</summary>
    public DelayedDelivery? Delayed { get; init; }

    /// <summary>The journal persistent messages on durable queues go to; null for a memory-only broker.</summary>
    public IMessageStore? Store { get; }

    public IDefinitionStore? Definitions { get; }

    /// <summary>Memory and disk alarms; publishers are blocked while one is on.</summary>
    public ResourceMonitor Resources { get; }

    private int _pagingScheduled;

    /// <summary>
    /// Message bodies in memory crossed the paging threshold: page out every queue's backlog, on a
    /// pool thread (not the publisher's), one pass at a time.
    /// </summary>
    private void OnPagingNeeded()
    {
        if (Store is null || Interlocked.Exchange(ref _pagingScheduled, 1) == 1)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(
            static broker =>
            {
                try
                {
                    foreach (var virtualHost in broker._virtualHosts.Values)
                    {
                        foreach (var queue in virtualHost.Queues)
                        {
                            queue.PageOut();
                        }
                    }
                }
                finally
                {
                    Volatile.Write(ref broker._pagingScheduled, 0);
                }
            },
            this,
            preferLocal: false);
    }

    private ITimer? _compactionTimer;
    private int _compacting;

    /// <summary>
    /// Copies the live messages of mostly-dead journal segments forward so the segments can be
    /// deleted. Returns how many messages moved. Safe to call at any time; one run at a time.
    /// </summary>
    public int CompactJournal()
    {
        if (Store is null || Interlocked.Exchange(ref _compacting, 1) == 1)
        {
            return 0;
        }

        try
        {
            return Store.Compact(new QueueMessageHolders(_virtualHosts.Values));
        }
        catch (Exception e) when (e is StoreFailedException or IOException or InvalidDataException or InvalidOperationException or ObjectDisposedException)
        {
            // Compaction is best effort: a segment it could not compact stays, and nothing is lost.
            CompactionFailed?.Invoke(e);
            return 0;
        }
        finally
        {
            Volatile.Write(ref _compacting, 0);
        }
    }

    /// <summary>Raised when a compaction run failed (the journal is unchanged by it); for logging.</summary>
    public event Action<Exception>? CompactionFailed;

    public void StopCompaction() => _compactionTimer?.Dispose();

    /// <summary>Runs <see cref="CompactJournal"/> every <paramref name="interval"/> in the background.</summary>
    public void StartCompaction(TimeProvider time, TimeSpan interval)
    {
        _compactionTimer?.Dispose();
        _compactionTimer = time.CreateTimer(static s => ((Broker)s!).CompactJournal(), this, interval, interval);
    }

    internal int NextQueueStoreId() => Interlocked.Increment(ref _lastQueueStoreId);

    /// <summary>
    /// Recreates the saved definitions (users, vhosts, exchanges, queues, bindings) and puts the
    /// recovered messages back into their queues. Messages held for queues that no longer exist
    /// are settled so the journal can release them.
    /// </summary>
    public void Restore(DefinitionSnapshot? snapshot, IReadOnlyDictionary<int, List<RecoveredMessage>> recovered)
    {
        if (snapshot is not null)
        {
            _lastQueueStoreId = snapshot.LastQueueStoreId;
            if (snapshot.Users.Count > 0)
            {
                Users.Clear();
                foreach (var u in snapshot.Users)
                {
                    Users.Add(new User(u.Name, u.Salt, u.PasswordHash, u.Tags));
                }

                foreach (var p in snapshot.Permissions)
                {
                    Users.SetPermission(p.User, p.VirtualHost, new Permission(p.Configure, p.Write, p.Read));
                }

                foreach (var p in snapshot.TopicPermissions)
                {
                    Users.SetTopicPermission(p.User, p.VirtualHost, new TopicPermission(p.Exchange, p.Write, p.Read));
                }
            }

            RestoreLimits(snapshot);

            if (Options.ApplyDefaultUserOnEveryStart)
            {
                Users.AddOrReplace(Options.DefaultUser, Options.DefaultPassword, "administrator");
                Users.SetPermission(Options.DefaultUser, Options.DefaultVirtualHost, Permission.All);
            }

            foreach (var record in snapshot.VirtualHosts)
            {
                AddVirtualHost(record.Name).Restore(record, Store, recovered);
                lock (_saveGate)
                {
                    _savedVirtualHosts[record.Name] = record;
                }
            }
        }

        var restored = new HashSet<int>();
        foreach (var virtualHost in _virtualHosts.Values)
        {
            foreach (var queue in virtualHost.Queues)
            {
                if (queue.StoreId != 0)
                {
                    restored.Add(queue.StoreId);
                    _lastQueueStoreId = Math.Max(_lastQueueStoreId, queue.StoreId);
                }
            }
        }

        foreach (var (queueId, messages) in recovered)
        {
            if (restored.Contains(queueId) || Store is null)
            {
                continue;
            }

            foreach (var message in messages)
            {
                Store.AppendSettle(queueId, message.Ref);
            }
        }

        Delayed?.Recover(_virtualHosts.Values);
        _restored = true;
        SaveDefinitions();
    }

    /// <summary>Called by a vhost, under its definitions lock, after a durable definition changed.</summary>
    internal void OnDefinitionsChanged(VirtualHost virtualHost, VirtualHostRecord record)
    {
        if (!IsCurrent(virtualHost))
        {
            return;
        }

        lock (_saveGate)
        {
            _savedVirtualHosts[virtualHost.Name] = record;
            SaveLocked();
        }
    }

    /// <summary>Saves users, permissions and every vhost's durable definitions now.</summary>
    public void SaveDefinitions()
    {
        if (Definitions is null)
        {
            return;
        }

        foreach (var virtualHost in _virtualHosts.Values)
        {
            var record = virtualHost.BuildRecord();
            lock (_saveGate)
            {
                _savedVirtualHosts[virtualHost.Name] = record;
            }
        }

        lock (_saveGate)
        {
            SaveLocked();
        }
    }

    private void SaveLocked()
    {
        if (Definitions is null)
        {
            return;
        }

        var snapshot = new DefinitionSnapshot
        {
            VirtualHosts = [.. _savedVirtualHosts.Values],
            LastQueueStoreId = Volatile.Read(ref _lastQueueStoreId),
        };
        foreach (var user in Users.Users)
        {
            snapshot.Users.Add(new UserRecord(user.Name, user.PasswordSalt.ToArray(), user.PasswordHash.ToArray(), user.Tags));
        }

        foreach (var (user, virtualHost, permission) in Users.Permissions)
        {
            snapshot.Permissions.Add(new PermissionRecord(user, virtualHost, permission.Configure, permission.Write, permission.Read));
        }

        foreach (var (user, virtualHost, permission) in Users.TopicPermissions)
        {
            snapshot.TopicPermissions.Add(new TopicPermissionRecord(user, virtualHost, permission.Exchange, permission.Write, permission.Read));
        }

        AddLimitRecords(snapshot);
        Definitions.Save(snapshot);
    }

    public UserStore Users { get; } = new();

    public IEnumerable<VirtualHost> VirtualHosts => _virtualHosts.Values;

    /// <summary>Adds a vhost (saved with the definitions once the broker has been restored) or returns the existing one.</summary>
    public VirtualHost AddVirtualHost(string name)
    {
        if (_virtualHosts.TryGetValue(name, out var existing))
        {
            return existing;
        }

        var added = _virtualHosts.GetOrAdd(name, static (n, broker) => new VirtualHost(n, broker), this);
        if (_restored)
        {
            SaveDefinitions();
        }

        return added;
    }

    /// <summary>Adds or replaces a user and saves the definitions.</summary>
    public void AddUser(string name, string password, params string[] tags)
    {
        Users.AddOrReplace(name, password, tags);
        SaveDefinitions();
    }

    /// <summary>Grants a user permissions in a vhost and saves the definitions.</summary>
    public void SetPermission(string user, string virtualHost, Permission permission)
    {
        Users.SetPermission(user, virtualHost, permission);
        SaveDefinitions();
    }

    public bool TryGetVirtualHost(string name, [NotNullWhen(true)] out VirtualHost? virtualHost) =>
        _virtualHosts.TryGetValue(name, out virtualHost);

    /// <summary>
    /// Checks a login. Returns null when the user is unknown, the password is wrong, or a
    /// loopback-only user connects from elsewhere.
    /// </summary>
    public User? Authenticate(string userName, string password, EndPoint? remote)
    {
        var user = Users.Authenticate(userName, password);
        if (user is null)
        {
            return null;
        }

        if (Options.LoopbackUsers.Contains(userName) && !IsLoopback(remote))
        {
            return null;
        }

        return user;
    }

    /// <summary>
    /// Admits a user whose name the transport has proven (a verified TLS client certificate's, for
    /// SASL EXTERNAL): no password. Null when no such user exists, or a loopback-only user connects
    /// from elsewhere.
    /// </summary>
    public User? AuthenticateTrusted(string userName, EndPoint? remote) =>
        Users.TryGet(userName, out var user) && (!Options.LoopbackUsers.Contains(userName) || IsLoopback(remote)) ? user : null;

    /// <summary>Throws AccessRefused unless <paramref name="user"/> may access <paramref name="resource"/> in the vhost.</summary>
    public void Authorize(User user, VirtualHost virtualHost, AccessKind kind, string resourceKind, string resource)
    {
        var permission = Users.GetPermission(user.Name, virtualHost.Name);
        if (permission is null || !permission.Allows(kind, resource))
        {
            var verb = kind switch
            {
                AccessKind.Configure => "configure",
                AccessKind.Write => "write",
                _ => "read",
            };
            throw BrokerException.AccessRefused(
                $"{verb} access to {resourceKind} '{resource}' in vhost '{virtualHost.Name}' refused for user '{user.Name}'");
        }
    }

    /// <summary>Sets a user's topic permission on one exchange of a vhost (replacing the one it had there) and saves the definitions.</summary>
    public void SetTopicPermission(string user, string virtualHost, TopicPermission permission)
    {
        Users.SetTopicPermission(user, virtualHost, permission);
        SaveDefinitions();
    }

    /// <summary>
    /// Throws AccessRefused unless <paramref name="user"/>'s topic permission on <paramref name="exchange"/>
    /// (if it has one: none allows everything, as RabbitMQ) allows <paramref name="routingKey"/>: write to
    /// publish with it, read to bind or subscribe with it. Callers check only topic exchanges.
    /// </summary>
    public void AuthorizeTopic(User user, VirtualHost virtualHost, AccessKind kind, string exchange, string routingKey, string? clientId = null)
    {
        if (!Users.HasTopicPermissions
            || Users.GetTopicPermission(user.Name, virtualHost.Name, exchange) is not { } permission
            || permission.Allows(kind, routingKey, new TopicVariables(user.Name, virtualHost.Name, clientId)))
        {
            return;
        }

        throw BrokerException.AccessRefused(
            $"{(kind == AccessKind.Write ? "write" : "read")} access to topic '{routingKey}' in exchange '{exchange}' in vhost '{virtualHost.Name}' refused for user '{user.Name}'");
    }

    /// <summary>True when the user has any permission in the vhost (what opening a connection to it needs).</summary>
    public bool MayAccess(User user, VirtualHost virtualHost) => Users.GetPermission(user.Name, virtualHost.Name) is not null;

    private static bool IsLoopback(EndPoint? remote) => remote switch
    {
        IPEndPoint ip => IPAddress.IsLoopback(ip.Address),
        null => false,
        _ => remote.AddressFamily == System.Net.Sockets.AddressFamily.Unix,
    };
}
