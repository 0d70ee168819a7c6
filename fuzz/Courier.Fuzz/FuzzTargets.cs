using System.Diagnostics.CodeAnalysis;

namespace Courier.Fuzz;

/// <summary>
/// The fuzz targets by name. Each feeds its input to one parser as the broker does and lets only
/// that parser's documented refusal pass; anything else escaping (another exception type) is a
/// finding, and so is an input that makes the parser allocate beyond <see cref="AllocationBudget"/>.
/// Hangs are afl-fuzz's to see (its -t timeout).
/// </summary>
internal static class FuzzTargets
{
    private static readonly Dictionary<string, Action<byte[]>> Targets = new(StringComparer.Ordinal)
    {
        ["amqp-frames"] = AmqpTargets.Frames,
        ["amqp-table"] = AmqpTargets.Table,
        ["mqtt-packets"] = MqttTargets.Packets,
        ["stomp-frames"] = StompTargets.Frames,
        ["stored-message"] = StorageTargets.StoredMessage,
        ["journal-recovery"] = StorageTargets.JournalRecovery,
        ["definitions"] = StorageTargets.Definitions,
        ["websocket-frames"] = WebSocketTargets.Frames,
        ["delayed-records"] = DataDirectoryTargets.DelayedRecords,
        ["keyed-log"] = DataDirectoryTargets.KeyedLog,
        ["management-bodies"] = ManagementTargets.Bodies,
    };

    public static IEnumerable<string> Names => Targets.Keys;

    public static bool TryGet(string name, [NotNullWhen(true)] out Action<byte[]>? target) => Targets.TryGetValue(name, out target);

    /// <summary>The refusal the last input met, if any (printed when replaying).</summary>
    public static Exception? LastRefusal { get; private set; }

    public static void Refused(Exception refusal) => LastRefusal = refusal;

    /// <summary>Runs one input, throwing for a finding.</summary>
    public static void RunOne(Action<byte[]> target, byte[] input)
    {
        LastRefusal = null;
        var before = GC.GetAllocatedBytesForCurrentThread();
        target(input);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var budget = AllocationBudget(input.Length);
        if (allocated > budget)
        {
            throw new AllocationBudgetExceededException($"{allocated:N0} bytes allocated for a {input.Length:N0}-byte input (budget {budget:N0})");
        }
    }

    /// <summary>
    /// What decoding an input may allocate: a fixed allowance plus a multiple of its size. A parser
    /// that trusts a length it read (a count, a declared size) before checking it against what is
    /// there allocates far beyond this, and that is what this catches.
    /// </summary>
    public static long AllocationBudget(int inputLength) => (4L << 20) + (64L * inputLength);
}

/// <summary>A parser allocated more for an input than <see cref="FuzzTargets.AllocationBudget"/> allows.</summary>
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Only the fuzz harness throws and reports it.")]
internal sealed class AllocationBudgetExceededException(string message) : Exception(message);
