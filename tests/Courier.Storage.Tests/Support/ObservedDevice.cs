using Courier.Storage.Devices;

namespace Courier.Storage.Tests.Support;

/// <summary>
/// Wraps any journal device to count what the journal does to it (syncs, bytes written) and to
/// hold syncs at a gate, so a test can see the committer mid-sync: which waiters have been told,
/// and what was appended meanwhile. Works the same over the file and the memory device.
/// </summary>
public sealed class ObservedDevice(IJournalDevice inner) : IJournalDevice
{
    private readonly ManualResetEventSlim _flushGate = new(initialState: true);
    private readonly SemaphoreSlim _flushEntered = new(0);
    private int _flushes;
    private long _bytesWritten;

    public IJournalDevice Inner => inner;

    /// <summary>Syncs that completed.</summary>
    public int Flushes => Volatile.Read(ref _flushes);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public IReadOnlyList<int> ListSegments() => inner.ListSegments();

    public ISegmentFile Open(int segment) => new ObservedFile(this, inner.Open(segment));

    public void Delete(int segment) => inner.Delete(segment);

    public byte[]? ReadIdentity() => inner.ReadIdentity();

    public void WriteIdentity(ReadOnlySpan<byte> identity) => inner.WriteIdentity(identity);

    public IJournalDevice BeginUpgrade() => inner.BeginUpgrade();

    public void CompleteUpgrade() => inner.CompleteUpgrade();

    /// <summary>From now on a sync waits inside <see cref="ISegmentFile.Flush"/> until <see cref="ReleaseFlushes"/>.</summary>
    public void HoldFlushes() => _flushGate.Reset();

    public void ReleaseFlushes() => _flushGate.Set();

    /// <summary>Forgets the syncs entered so far, so <see cref="WhenFlushEntered"/> waits for the next one.</summary>
    public void ForgetFlushesEntered()
    {
        while (_flushEntered.Wait(0))
        {
        }
    }

    /// <summary>Completes when the committer has entered a sync (held or not).</summary>
    public Task WhenFlushEntered() => _flushEntered.WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(
        t => Assert.True(t.Result, "the committer never started a sync"), TaskScheduler.Default);

    private sealed class ObservedFile(ObservedDevice device, ISegmentFile file) : ISegmentFile
    {
        public long Length => file.Length;

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            file.Write(offset, data);
            Interlocked.Add(ref device._bytesWritten, data.Length);
        }

        public void Flush()
        {
            device._flushEntered.Release();
            device._flushGate.Wait(TimeSpan.FromSeconds(30));
            file.Flush();
            Interlocked.Increment(ref device._flushes);
        }

        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);

        public void Truncate(long length) => file.Truncate(length);

        public void Dispose() => file.Dispose();
    }
}
