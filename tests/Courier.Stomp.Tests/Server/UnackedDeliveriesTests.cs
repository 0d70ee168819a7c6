using Courier.Core.Messages;
using Courier.Core.Queues;
using Courier.Stomp.Server;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Stomp.Tests.Server;

/// <summary><see cref="StompUnackedDeliveries"/> against a sorted dictionary doing the same ACKs.</summary>
public class UnackedDeliveriesTests
{
    private static readonly Message Payload = new("", "q", new MessageProperties(), ReadOnlyMemory<byte>.Empty);

    private static QueuedMessage Queued(ulong tag) => new(Payload, (long)tag);

    /// <summary>An operation: add the next tags, take one (by how far back), take every one up to one, or take all.</summary>
    private sealed record Step(int Kind, int Count, int Back);

    private static Gen<Step> Steps() =>
        from kind in Gen.Frequency((4, Gen.Constant(0)), (3, Gen.Constant(1)), (2, Gen.Constant(2)), (1, Gen.Constant(3)))
        from count in Gen.Choose(1, 40)
        from back in Gen.Choose(0, 60)
        select new Step(kind, count, back);

    [Property(MaxTest = 500)]
    public Property Takes_one_and_cumulative_takes_match_a_sorted_dictionary() =>
        Prop.ForAll(Gen.ListOf(Steps(), 60).ToArbitrary(), steps =>
        {
            var unacked = new StompUnackedDeliveries();
            var model = new SortedDictionary<ulong, QueuedMessage>();
            ulong next = 0;
            foreach (var step in steps)
            {
                // A tag that may be live, taken already, or never given.
                var tag = next - (ulong)Math.Min((int)next, step.Back);
                switch (step.Kind)
                {
                    case 0:
                        for (var i = 0; i < step.Count; i++)
                        {
                            var message = Queued(++next);
                            unacked.Add(next, message);
                            model.Add(next, message);
                        }

                        break;
                    case 1:
                        Assert.Equal(model.ContainsKey(tag), unacked.Contains(tag));
                        Assert.Equal(model.Remove(tag, out var expected), unacked.Remove(tag, out var actual));
                        Assert.Same(expected, actual);
                        break;
                    case 2:
                        var taken = new List<QueuedMessage>();
                        unacked.RemoveUpTo(tag, taken);
                        var upTo = model.Where(p => p.Key <= tag).ToList();
                        upTo.ForEach(p => model.Remove(p.Key));
                        Assert.Equal(upTo.Select(p => p.Value), taken);
                        break;
                    default:
                        Assert.Equal(model.Values, unacked.RemoveAll());
                        model.Clear();
                        break;
                }

                Assert.Equal(model.Count, unacked.Count);
            }

            Assert.Equal(model.Values, unacked.RemoveAll());
        });
}
