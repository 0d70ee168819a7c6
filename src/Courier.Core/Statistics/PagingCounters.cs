namespace Courier.Core.Statistics;

/// <summary>Messages whose bodies queues moved out of memory to the journal, and read back in, node-wide.</summary>
/// <remarks>Paging moves batches under memory pressure, so an add per batch (per message only behind a paged backlog) on a striped counter costs the message path nothing in the usual case.</remarks>
public sealed class PagingCounters
{
    private const int Out = 0;
    private const int In = 1;
    private readonly StripedCounters _counters = new(2);

    public long PagedOut => _counters.Read(Out);

    public long PagedIn => _counters.Read(In);

    public void OnPagedOut(long messages) => _counters.Add(Out, messages);

    public void OnPagedIn(long messages) => _counters.Add(In, messages);
}
