namespace Courier.Core.Storage;

/// <summary>
/// What a store tells the node about the disk it writes to, so the free-space limit holds as a
/// bound: each append reserves the bytes it will write before they reach the disk (the disk alarm
/// turns on as soon as what is reserved would take free space below the limit, without waiting
/// for the next poll), and a store that cannot write (ENOSPC, EIO) says so until it can again.
/// </summary>
/// <remarks>Called from any thread; every member must be quick and must not call back into the store.</remarks>
public interface IDiskSpaceAccount
{
    /// <summary>True while the disk alarm is on: a store rolls its tail so freed space can be reclaimed.</summary>
    bool IsLow { get; }

    /// <summary><paramref name="bytes"/> were appended and will be written.</summary>
    void Reserve(long bytes);

    /// <summary><paramref name="bytes"/> reserved earlier are now written (the disk's free space counts them).</summary>
    void Written(long bytes);

    /// <summary>Space was freed (a file deleted or truncated): look at the disk again now.</summary>
    void Freed();

    /// <summary>
    /// The store could not write (<paramref name="stalled"/> true) or writes again (false). Several
    /// stores may share one account: each pairs every true with one false.
    /// </summary>
    void SetStalled(bool stalled);
}
