using Courier.Core.Concurrency;

namespace Courier.Core.Tests.Concurrency;

public sealed class IoThreadTests
{
    [Fact]
    public async Task A_dedicated_thread_must_leave_and_continues_on_the_thread_pool()
    {
        var seen = new TaskCompletionSource<(bool MustLeaveBefore, bool PoolAfter, bool MustLeaveAfter)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => _ = LeaveAndReportAsync(seen)) { IsBackground = true, Name = "like an epoll thread" };
        thread.Start();

        var (mustLeaveBefore, poolAfter, mustLeaveAfter) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(mustLeaveBefore);
        Assert.True(poolAfter);
        Assert.False(mustLeaveAfter);
    }

    [Fact]
    public async Task A_thread_pool_thread_need_not_leave()
    {
        var mustLeave = await Task.Run(() => IoThread.MustLeave);
        Assert.False(mustLeave);
    }

    [Fact]
    public void A_reader_on_a_dedicated_thread_stops_before_a_blocking_frame_once_per_read()
    {
        var steps = new List<bool>();
        var thread = new Thread(() =>
        {
            var exit = default(IoThreadExit);
            steps.Add(exit.StopBefore(mayBlock: false)); // a publish: handled here
            steps.Add(exit.StopBefore(mayBlock: true));  // a declare: stop, leave
            steps.Add(exit.TakeLeave());
            steps.Add(exit.StopBefore(mayBlock: true));  // read again, still not on the pool: handled, no second stop
            steps.Add(exit.TakeLeave());
            steps.Add(exit.StopBefore(mayBlock: true));  // the next read stops again
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));

        Assert.Equal([false, true, true, false, false, true], steps);
    }

    [Fact]
    public async Task A_reader_on_the_thread_pool_never_stops()
    {
        var stopped = await Task.Run(() =>
        {
            var exit = default(IoThreadExit);
            return exit.StopBefore(mayBlock: true) || exit.TakeLeave();
        });
        Assert.False(stopped);
    }

    private static async Task LeaveAndReportAsync(TaskCompletionSource<(bool, bool, bool)> seen)
    {
        var before = IoThread.MustLeave;
        await IoThread.LeaveAsync();
        seen.SetResult((before, Thread.CurrentThread.IsThreadPoolThread, IoThread.MustLeave));
    }
}
