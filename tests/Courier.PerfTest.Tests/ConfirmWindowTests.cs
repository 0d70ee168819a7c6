using Courier.PerfTest.Amqp;

namespace Courier.PerfTest.Tests;

public sealed class ConfirmWindowTests
{
    [Fact]
    public void Tags_are_handed_out_from_one_in_publish_order()
    {
        using var window = new ConfirmWindow(10);

        Assert.Equal(1ul, window.Reserve(CancellationToken.None));
        Assert.Equal(2ul, window.Reserve(CancellationToken.None));
        Assert.Equal(3ul, window.Reserve(CancellationToken.None));
    }

    [Fact]
    public void A_multiple_ack_settles_every_earlier_pending_tag_once()
    {
        using var window = new ConfirmWindow(10);
        for (int i = 0; i < 5; i++)
        {
            window.Reserve(CancellationToken.None);
        }

        Assert.Equal(1, window.Settle(2, multiple: false));
        Assert.Equal(3, window.Settle(4, multiple: true)); // 1, 3 and 4; 2 was already settled
        Assert.Equal(0, window.Settle(4, multiple: true));
        Assert.Equal(1, window.Outstanding);
    }

    [Fact]
    public void Single_acks_out_of_order_settle_each_tag_once()
    {
        using var window = new ConfirmWindow(4);
        for (int i = 0; i < 4; i++)
        {
            window.Reserve(CancellationToken.None);
        }

        Assert.Equal(1, window.Settle(3, multiple: false));
        Assert.Equal(1, window.Settle(1, multiple: false));
        Assert.Equal(0, window.Settle(3, multiple: false));
        Assert.Equal(1, window.Settle(4, multiple: false));
        Assert.Equal(1, window.Settle(2, multiple: false));
        Assert.Equal(0, window.Outstanding);
    }

    [Fact]
    public void A_confirm_for_a_tag_never_published_settles_only_what_was_published()
    {
        using var window = new ConfirmWindow(4);
        window.Reserve(CancellationToken.None);

        Assert.Equal(1, window.Settle(99, multiple: true));
        Assert.Equal(0, window.Settle(99, multiple: false));
    }

    [Fact]
    public async Task A_full_window_blocks_until_a_confirm_frees_a_slot()
    {
        using var window = new ConfirmWindow(2);
        window.Reserve(CancellationToken.None);
        window.Reserve(CancellationToken.None);

        var third = Task.Run(() => window.Reserve(CancellationToken.None));
        var first = await Task.WhenAny(third, Task.Delay(TimeSpan.FromMilliseconds(100)));
        Assert.NotSame(third, first);

        window.Settle(1, multiple: false);

        Assert.Equal(3ul, await third.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_full_window_gives_up_when_cancelled()
    {
        using var window = new ConfirmWindow(1);
        window.Reserve(CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.ThrowsAny<OperationCanceledException>(() => window.Reserve(cancel.Token));
    }
}
