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

        Assert.Equal(3ul, await third.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public void A_full_window_gives_up_when_cancelled()
    {
        using var window = new ConfirmWindow(1);
        window.Reserve(CancellationToken.None);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        Assert.ThrowsAny<OperationCanceledException>(() => window.Reserve(cancel.Token));
    }

    [Fact]
    public void TryReserve_takes_a_free_slot_and_refuses_without_blocking_when_full()
    {
        using var window = new ConfirmWindow(2);

        Assert.True(window.TryReserve(out ulong first));
        Assert.True(window.TryReserve(out ulong second));
        Assert.False(window.TryReserve(out _));
        Assert.Equal((1ul, 2ul), (first, second));

        window.Settle(1, multiple: false);

        Assert.True(window.TryReserve(out ulong third));
        Assert.Equal(3ul, third);
        Assert.Equal(2, window.Outstanding);
    }

    [Fact]
    public void TryReserve_refuses_while_a_stuck_confirm_would_wrap_the_ring_and_gives_the_slot_back()
    {
        using var window = new ConfirmWindow(2); // a ring of 64 tags
        Assert.True(window.TryReserve(out _)); // tag 1 stays unconfirmed
        for (int i = 0; i < 63; i++)
        {
            window.Settle(window.Reserve(CancellationToken.None), multiple: false); // tags 2..64
        }

        Assert.False(window.TryReserve(out _)); // tag 65 would share tag 1's place in the ring

        Assert.Equal(1, window.Settle(1, multiple: false));
        Assert.True(window.TryReserve(out ulong next));
        Assert.True(window.TryReserve(out ulong after)); // both slots are free: the refused one was given back
        Assert.Equal((65ul, 66ul), (next, after));
    }
}
