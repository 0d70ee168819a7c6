using Courier.Core.Concurrency;

namespace Courier.Core.Tests.Concurrency;

public sealed class AsyncSignalTests
{
    [Fact]
    public async Task A_set_before_the_wait_completes_the_next_wait_at_once_and_only_that_one()
    {
        var signal = new AsyncSignal();
        signal.Set();
        signal.Set();
        Assert.True(signal.WaitAsync(CancellationToken.None).IsCompleted);
        var second = signal.WaitAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        signal.Set();
        await second.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_waiter_is_released_by_a_set_from_another_thread_many_times_over()
    {
        var signal = new AsyncSignal();
        var rounds = 0;
        var consumer = Task.Run(async () =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                await signal.WaitAsync(CancellationToken.None);
                Interlocked.Increment(ref rounds);
            }
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!consumer.IsCompleted && DateTime.UtcNow < deadline)
        {
            signal.Set();
            await Task.Yield();
        }

        await consumer.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(10_000, rounds);
    }

    [Fact]
    public async Task Cancelling_a_pending_wait_throws_OperationCanceled()
    {
        var signal = new AsyncSignal();
        using var cancel = new CancellationTokenSource();
        var wait = signal.WaitAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
