using Courier.Core.Storage;

namespace Courier.Core.Tests.Storage;

/// <summary>Acknowledgements owed to publishers go out in publish order, each once its position is durable.</summary>
public sealed class DurableReleasesTests
{
    private sealed class Recorder : IDurableReleaseTarget<int>
    {
        public List<(int Item, bool Stored)> Released { get; } = [];

        public int Runs { get; private set; }

        public bool IsOpen { get; set; } = true;

        public void Release(int item, bool stored) => Released.Add((item, stored));

        public void EndOfReleases() => Runs++;
    }

    [Fact]
    public void Items_wait_for_their_position_and_never_overtake_one_still_waiting()
    {
        var target = new Recorder();
        var releases = new DurableReleases<int>(target);
        releases.Add(1, 0);
        releases.Add(2, 10);
        releases.Add(3, 0);
        releases.Add(4, DurableReleases<int>.FailedPosition);
        releases.Flush(store: null);
        Assert.Equal([(1, true)], target.Released);

        releases.OnDurable(10);
        Assert.Equal([(1, true), (2, true), (3, true), (4, false)], target.Released);
        Assert.Equal(2, target.Runs);
    }

    [Fact]
    public void A_failed_store_refuses_everything_not_yet_durable()
    {
        var target = new Recorder();
        var releases = new DurableReleases<int>(target);
        releases.Add(1, 5);
        releases.Add(2, 9);
        releases.OnDurable(5);
        releases.OnStoreFailed();
        Assert.Equal([(1, true), (2, false)], target.Released);
    }

    [Fact]
    public void Nothing_is_released_to_a_closed_target()
    {
        var target = new Recorder { IsOpen = false };
        var releases = new DurableReleases<int>(target);
        releases.Add(1, 0);
        releases.Flush(store: null);
        target.IsOpen = true;
        releases.OnDurable(1);
        Assert.Empty(target.Released);
    }
}
