using BenchmarkDotNet.Attributes;
using Courier.Storage.Journal;

namespace Courier.Benchmarks.Journal;

/// <summary>
/// A commit round trip with policy Always: append one message, wait (WhenDurable) until the
/// committer thread has written and synced it, then settle it. Over the memory device a sync copies
/// the tail segment (its model of what a disk keeps), so segments are kept small (64 KiB) to keep
/// that copy from dominating; the figure is the cost of the hand-off between publisher and
/// committer, not of a disk. Allocations counted by the diagnoser include the committer thread's.
/// </summary>
[MemoryDiagnoser]
public class JournalCommitBenchmarks
{
    private JournalWorkload _workload = null!;

    [GlobalSetup]
    public void Setup() => _workload = new JournalWorkload(queues: 1, CommitPolicy.Always, segmentSize: 64 * 1024);

    [GlobalCleanup]
    public void Cleanup() => _workload.Dispose();

    [Benchmark(Description = "commit round trip (Always)")]
    public long AppendAndCommit() => _workload.AppendAndCommit();
}
