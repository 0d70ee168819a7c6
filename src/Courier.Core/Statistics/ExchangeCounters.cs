namespace Courier.Core.Statistics;

/// <summary>An exchange's <c>publish_in</c> (messages published into it) and <c>publish_out</c> (of those, the ones it routed on to a queue), striped as publishers of every connection add at once.</summary>
public sealed class ExchangeCounters
{
    private const int In = 0;
    private const int Out = 1;
    private readonly StripedCounters _counters = new(2);

    public void OnPublished(bool routed)
    {
        _counters.Increment(In);
        if (routed)
        {
            _counters.Increment(Out);
        }
    }

    public MessageStats Read() => new() { PublishIn = _counters.Read(In), PublishOut = _counters.Read(Out) };
}
