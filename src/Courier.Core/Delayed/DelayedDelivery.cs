using System.Collections.Concurrent;
using Courier.Core.Storage;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Delayed;

/// <summary>
/// The node's scheduler for delayed exchanges: schedules each delayed publish in the
/// <see cref="IDelayedMessageStore"/> and, on one thread of its own, routes every message through
/// its exchange's bindings once it is due, then removes it from the store.
/// </summary>
/// <remarks>
/// <para>No message is routed early: a message published at t with <c>x-delay</c> d is due at the
/// first whole millisecond after t, plus d, and is taken only once the clock has reached that.</para>
/// <para>At least once: a due message is routed (a persistent one appended to the journal for the
/// durable queues it reaches) before its removal is appended to the same journal, so a crash in
/// between routes it again after the restart, never loses it.</para>
/// <para>Threading: publishers call <see cref="Schedule"/> on their connections; the thread waits
/// until the earliest due time and is woken early when a publish schedules something sooner. A
/// dedicated thread, not a pool timer, so a busy pool does not make messages late.</para>
/// </remarks>
public sealed class DelayedDelivery : IDisposable
{
    // Due messages routed per pass before the next due time is looked up again.
    private const int PassSize = 1024;

    private readonly IDelayedMessageStore _store;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<int, (VirtualHost VirtualHost, DelayedExchange Exchange)> _exchanges = new();
    private readonly AutoResetEvent _wake = new(initialState: false);
    private Thread? _thread;
    private volatile bool _stopping;

    // The due time the thread sleeps until; a schedule due sooner wakes it (long.MaxValue while it looks).
    private long _plannedWake = long.MaxValue;

    public DelayedDelivery(IDelayedMessageStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>How many messages are scheduled.</summary>
    public long Scheduled => _store.Scheduled;

    /// <summary>Raised on the scheduler's thread when routing a due message failed (it stays scheduled); for logging.</summary>
    public event Action<Exception>? RoutingFailed;

    /// <summary>A new delayed exchange: gives it a key in the store.</summary>
    internal void Attach(VirtualHost virtualHost, DelayedExchange exchange) =>
        Attach(virtualHost, exchange, _store.Declare(virtualHost.Name, exchange.Name));

    private void Attach(VirtualHost virtualHost, DelayedExchange exchange, int key)
    {
        exchange.StoreKey = key;
        exchange.Scheduler = this;
        _exchanges[key] = (virtualHost, exchange);
    }

    /// <summary>A delayed exchange was deleted: its scheduled messages go with it.</summary>
    internal void Detach(DelayedExchange exchange)
    {
        if (exchange.StoreKey != 0 && _exchanges.TryRemove(exchange.StoreKey, out _))
        {
            _store.Forget(exchange.StoreKey);
        }
    }

    /// <summary>
    /// After the definitions are restored: gives each delayed exchange back its key (its messages),
    /// forgets the keys of exchanges that are gone (transient ones, or deleted before a crash), and
    /// starts routing.
    /// </summary>
    internal void Recover(IEnumerable<VirtualHost> virtualHosts)
    {
        var keys = new Dictionary<(string, string), int>();
        foreach (var recovered in _store.RecoveredExchanges)
        {
            keys[(recovered.VirtualHost, recovered.Exchange)] = recovered.Key;
        }

        foreach (var virtualHost in virtualHosts)
        {
            foreach (var exchange in virtualHost.Exchanges)
            {
                if (exchange is DelayedExchange delayed)
                {
                    if (keys.Remove((virtualHost.Name, delayed.Name), out var key))
                    {
                        Attach(virtualHost, delayed, key);
                    }
                    else
                    {
                        Attach(virtualHost, delayed);
                    }
                }
            }
        }

        foreach (var orphan in keys.Values)
        {
            _store.Forget(orphan);
        }

        Start();
    }

    /// <summary>Starts the scheduler's thread (once).</summary>
    public void Start()
    {
        if (_thread is not null)
        {
            return;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "courier-delayed" };
        _thread.Start();
    }

    /// <summary>Schedules <paramref name="message"/> on <paramref name="exchange"/> in <paramref name="delay"/> ms; returns the sequence number its confirm waits for.</summary>
    internal long Schedule(DelayedExchange exchange, Messages.Message message, long delay)
    {
        var dueAt = Now() + 1 + delay;
        var sequence = _store.Schedule(exchange.StoreKey, message, dueAt);
        if (dueAt < Volatile.Read(ref _plannedWake))
        {
            _wake.Set();
        }

        return sequence;
    }

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Run()
    {
        var routing = new RoutingResult();
        while (!_stopping)
        {
            var now = Now();
            var routed = 0;
            try
            {
                while (routed < PassSize && !_stopping && _store.TryTakeDue(now, out var due))
                {
                    Route(due, routing);
                    routed++;
                }
            }
            catch (Exception e) when (e is StoreFailedException or IOException or InvalidDataException or InvalidOperationException or ArgumentException)
            {
                // The store failed (or a record could not be read back): what is left stays on disk
                // for the next start; retrying at once would only spin.
                RoutingFailed?.Invoke(e);
                _wake.WaitOne(TimeSpan.FromSeconds(1));
                continue;
            }

            if (routed == PassSize)
            {
                continue;
            }

            // Look again after announcing the wake-up as "now": a schedule that lands while the next
            // due time is looked up sets the event, so the wait below returns at once.
            Volatile.Write(ref _plannedWake, long.MaxValue);
            var next = _store.NextDue(Now());
            Volatile.Write(ref _plannedWake, next);
            if (next == long.MaxValue)
            {
                _wake.WaitOne();
                continue;
            }

            var wait = next - Now();
            if (wait > 0)
            {
                _wake.WaitOne(TimeSpan.FromMilliseconds(Math.Min(wait, int.MaxValue)));
            }
        }
    }

    private void Route(in DueMessage due, RoutingResult routing)
    {
        if (!_exchanges.TryGetValue(due.Key, out var target))
        {
            return; // deleted while the message was read; the store dropped it with its exchange
        }

        DelayHeader.TryGetDelay(due.Message, out var delay);
        var message = DelayHeader.MarkRouted(due.Message, delay);
        target.VirtualHost.PublishDue(target.Exchange, message, routing);
        routing.Clear();
        _store.Complete(due);
    }

    /// <summary>Stops the thread; what is still scheduled stays in the store.</summary>
    public void Dispose()
    {
        _stopping = true;
        _wake.Set();
        if (_thread is null || _thread.Join(TimeSpan.FromSeconds(10)))
        {
            _wake.Dispose();
        }
    }
}
