using System.Runtime.CompilerServices;

namespace Courier.Core.Concurrency;

/// <summary>
/// Where a protocol's read handler may run, and how it leaves before doing something that blocks.
/// </summary>
/// <remarks>
/// The <c>courier</c> executable runs socket completions inline (the runtime's epoll threads run
/// each connection's reader up to its next wait, docs/architecture.md "What runs on the epoll
/// threads"): a few threads serve every socket, so a reader that blocks there (an fsync of the
/// definitions, a password hash, a page read from the disk) holds up every other connection that
/// thread serves. Handlers check <see cref="MustLeave"/> before such work and, when it is true,
/// continue after <see cref="LeaveAsync"/>, on a thread-pool thread, where blocking costs only
/// that thread. On a pool thread already (completions not inline, or a reader already moved) it
/// is false and nothing moves.
/// </remarks>
public static class IoThread
{
    /// <summary>True on a thread that is not the thread pool's: an epoll thread running a socket completion inline.</summary>
    public static bool MustLeave => !Thread.CurrentThread.IsThreadPoolThread;

    /// <summary>Continues the awaiting method on a thread-pool thread (there is no synchronization context in Kestrel's connections).</summary>
    public static YieldAwaitable LeaveAsync() => Task.Yield();
}
