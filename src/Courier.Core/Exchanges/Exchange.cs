using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>
/// An exchange: takes published messages and names the destinations (queues or exchanges) whose
/// bindings match. <see cref="Match"/> is pure and synchronous, no I/O. Bindings change rarely and
/// messages are matched often, so each type guards its binding structure with a reader/writer lock:
/// many publishers match at once; a bind or unbind waits for them.
/// </summary>
public abstract class Exchange : IBindingDestination
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly HashSet<Binding> _bindings = [];

    protected Exchange(string name, ExchangeDefinition definition)
    {
        Name = name;
        Definition = definition;
    }

    public string Name { get; }

    /// <summary>Messages published into the exchange and routed on from it.</summary>
    public Statistics.ExchangeCounters Counters { get; } = new();

    /// <summary>The type name (direct, fanout, topic, headers) as clients declare it.</summary>
    public abstract string Type { get; }

    public ExchangeDefinition Definition { get; }

    public bool Durable => Definition.Durable;

    public bool AutoDelete => Definition.AutoDelete;

    public bool Internal => Definition.Internal;

    public IReadOnlyDictionary<string, object?> Arguments => Definition.Arguments;

    /// <summary>
    /// The alternate exchange's name: the <c>alternate-exchange</c> argument, or else the policy's
    /// key (the argument wins, as in RabbitMQ); null for none.
    /// </summary>
    public string? AlternateExchange => FieldTable.GetString(Definition.Arguments, "alternate-exchange") ?? Policy?.Text("alternate-exchange");

    /// <summary>
    /// Refuses declare arguments the exchange would interpret but cannot: an <c>alternate-exchange</c>
    /// that is not a string, or whose bytes are not well-formed UTF-8 (406, as RabbitMQ refuses an
    /// argument of the wrong type; rewritten, two names would collide).
    /// </summary>
    /// <param name="what">The exchange as messages name it: <c>exchange 'x' in vhost '/'</c>.</param>
    public static void CheckArguments(IReadOnlyDictionary<string, object?> arguments, string what)
    {
        const string Key = "alternate-exchange";
        if (arguments.TryGetValue(Key, out var value) && !FieldTable.TryGetText(value, out _))
        {
            throw FieldTable.InvalidArgument(Key, what, FieldTable.IsMalformedText(value) ? FieldTable.NotUtf8 : "must be a string");
        }
    }

    /// <summary>
    /// Refuses binding arguments this exchange type would interpret but cannot (a headers
    /// exchange's <c>x-match</c>); the other types ignore binding arguments.
    /// </summary>
    /// <exception cref="BrokerException">PreconditionFailed, as RabbitMQ answers an invalid binding.</exception>
    public virtual void CheckBindingArguments(IReadOnlyDictionary<string, object?> arguments)
    {
    }

    /// <summary>The policy that applies to the exchange now (its vhost sets it); null: none.</summary>
    public Policies.AppliedPolicy? Policy { get; internal set; }

    public int BindingCount
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _bindings.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>A snapshot of the bindings whose source is this exchange.</summary>
    public IReadOnlyList<Binding> GetBindings()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _bindings];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Adds a binding; returns false if an equal binding already existed.</summary>
    public bool Bind(Binding binding)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_bindings.Add(binding))
            {
                return false;
            }

            AddBinding(binding);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes a binding; returns false if no equal binding existed.</summary>
    public bool Unbind(Binding binding)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_bindings.Remove(binding))
            {
                return false;
            }

            RemoveBinding(binding);
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes every binding to <paramref name="destination"/> (it is being deleted); returns how many.</summary>
    public int UnbindAll(IBindingDestination destination)
    {
        _lock.EnterWriteLock();
        try
        {
            List<Binding>? removed = null;
            foreach (var binding in _bindings)
            {
                if (ReferenceEquals(binding.Destination, destination))
                {
                    (removed ??= []).Add(binding);
                }
            }

            if (removed is null)
            {
                return 0;
            }

            foreach (var binding in removed)
            {
                _bindings.Remove(binding);
                RemoveBinding(binding);
            }

            return removed.Count;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Appends the destinations whose bindings match <paramref name="message"/> to
    /// <paramref name="destinations"/>. May append a destination more than once; the caller removes
    /// duplicates.
    /// </summary>
    public void Match(Message message, List<IBindingDestination> destinations)
    {
        _lock.EnterReadLock();
        try
        {
            MatchCore(message, destinations);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Called once the exchange is deleted (under the vhost's definitions lock), to release what it holds.</summary>
    protected internal virtual void OnDeleted()
    {
    }

    /// <summary>Called under the write lock after the binding was added to the set.</summary>
    protected abstract void AddBinding(Binding binding);

    /// <summary>Called under the write lock after the binding was removed from the set.</summary>
    protected abstract void RemoveBinding(Binding binding);

    /// <summary>Called under the read lock; must not change state.</summary>
    protected abstract void MatchCore(Message message, List<IBindingDestination> destinations);

    public override string ToString() => $"exchange '{Name}' ({Type})";
}
