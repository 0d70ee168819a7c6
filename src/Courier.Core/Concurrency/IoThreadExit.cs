namespace Courier.Core.Concurrency;

/// <summary>
/// A reader loop's way off an epoll thread before a frame that may block (see <see cref="IoThread"/>):
/// the loop's processing stops before the frame (<see cref="StopBefore"/>), leaves that frame
/// unread, and the loop moves to the pool (<see cref="TakeLeave"/>) and reads it again. Having left
/// once, it does not stop again for the same read, so a thread the move cannot leave is kept
/// rather than looped on. A mutable struct: keep it in a field and never copy it.
/// </summary>
public struct IoThreadExit
{
    private bool _leaving;
    private bool _left;

    /// <summary>True once processing stopped before a frame to leave the thread; what is unread must be read again at once.</summary>
    public readonly bool Leaving => _leaving;

    /// <summary>Whether processing must stop before a frame that <paramref name="mayBlock"/>; if so, <see cref="Leaving"/> is true.</summary>
    public bool StopBefore(bool mayBlock)
    {
        if (mayBlock && !_left && IoThread.MustLeave)
        {
            _leaving = true;
        }

        return _leaving;
    }

    /// <summary>After a read is processed: true when the loop must now <c>await IoThread.LeaveAsync()</c> and read again.</summary>
    public bool TakeLeave()
    {
        _left = _leaving;
        _leaving = false;
        return _left;
    }
}
