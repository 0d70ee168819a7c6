using Courier.Core.Messages;

namespace Courier.Core.Statistics;

/// <summary>
/// What publishers did in a vhost, by protocol: received (and of those, how many wanted a confirm),
/// routed, unroutable (returned to a mandatory publisher, or dropped), confirmed.
/// </summary>
/// <remarks>
/// Publishers of every connection add here at once, so the counts are striped per processor
/// (<see cref="StripedCounters"/>); the core counts what routing sees, the protocols what only they
/// know (a confirm, a return).
/// </remarks>
public sealed class PublishCounters
{
    private const int Kinds = 6;
    private const int Received = 0;
    private const int ReceivedConfirm = 1;
    private const int RoutedKind = 2;
    private const int Unroutable = 3;
    private const int Returned = 4;
    private const int Confirmed = 5;

    private readonly StripedCounters _counters = new(StatisticsProtocols.Count * Kinds);

    /// <summary>A message published into the vhost, routed to a queue or not.</summary>
    public void OnPublished(PublishingProtocol protocol, bool routed)
    {
        var start = StatisticsProtocols.Index(protocol) * Kinds;
        _counters.Increment(start + Received);
        _counters.Increment(start + (routed ? RoutedKind : Unroutable));
    }

    /// <summary>A publisher that wants a confirm published a message (counted besides <see cref="OnPublished"/>).</summary>
    public void OnConfirmExpected(PublishingProtocol protocol) => _counters.Increment((StatisticsProtocols.Index(protocol) * Kinds) + ReceivedConfirm);

    /// <summary>An unroutable message went back to its mandatory publisher (the rest of the unroutable are dropped).</summary>
    public void OnReturned(PublishingProtocol protocol) => _counters.Increment((StatisticsProtocols.Index(protocol) * Kinds) + Returned);

    /// <summary>Publishes confirmed to their publisher.</summary>
    public void OnConfirmed(PublishingProtocol protocol, long count) => _counters.Add((StatisticsProtocols.Index(protocol) * Kinds) + Confirmed, count);

    /// <summary>The counts of one protocol, or of all (<paramref name="protocol"/> null).</summary>
    public MessageStats Read(PublishingProtocol? protocol = null)
    {
        long received = 0, receivedConfirm = 0, routed = 0, unroutable = 0, returned = 0, confirmed = 0;
        for (var p = 0; p < StatisticsProtocols.Count; p++)
        {
            if (protocol is { } only && StatisticsProtocols.Index(only) != p)
            {
                continue;
            }

            var start = p * Kinds;
            received += _counters.Read(start + Received);
            receivedConfirm += _counters.Read(start + ReceivedConfirm);
            routed += _counters.Read(start + RoutedKind);
            unroutable += _counters.Read(start + Unroutable);
            returned += _counters.Read(start + Returned);
            confirmed += _counters.Read(start + Confirmed);
        }

        return new MessageStats
        {
            Publish = received,
            PublishConfirm = receivedConfirm,
            Routed = routed,
            Confirm = confirmed,
            ReturnUnroutable = returned,

            // Read one after the other, a return can be seen before its unroutable: never below 0.
            DropUnroutable = Math.Max(0, unroutable - returned),
        };
    }
}
