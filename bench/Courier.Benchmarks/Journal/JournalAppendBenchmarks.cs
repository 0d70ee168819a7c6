using BenchmarkDotNet.Attributes;
using Courier.Core.Storage;
using Courier.Storage.Journal;

namespace Courier.Benchmarks.Journal;

/// <summary>
/// JournalMessageStore.AppendMessage: what a publisher's thread pays to append a 256 B persistent
/// message for 1 or 10 durable queues. Appends never wait for the disk, so the commit policy does
/// not enter into it; Never keeps the committer from copying whole segments in the memory device's
/// model of fsync while the publisher is measured. Every 1,024 appends the publisher waits for the
/// committer (1/1,024 of that wait is in each figure), so the journal's buffers reach a steady size
/// rather than growing for as long as the committer lags. Each iteration starts from a fresh
/// journal so that the memory device, which keeps every byte, stays small. The diagnoser's
/// allocation figure counts every thread: the committer's, and the memory device's growing arrays,
/// whose large-object churn makes the times vary from iteration to iteration; iterations are cheap
/// (0.1 s), so this class takes more of them than a short job would.
/// </summary>
[MemoryDiagnoser]
[InvocationCount(InvocationsPerIteration)]
[WarmupCount(5)]
[IterationCount(15)]
public class JournalAppendBenchmarks
{
    private const int InvocationsPerIteration = 1 << 17;

    private JournalWorkload _workload = null!;

    [Params(1, 10)]
    public int Queues { get; set; }

    [IterationSetup]
    public void Setup() => _workload = new JournalWorkload(Queues, CommitPolicy.Never, segmentSize: 8 * 1024 * 1024);

    [IterationCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(Description = "append message")]
    public StoredMessage Append() => _workload.AppendDraining(drainEvery: 1024);
}
