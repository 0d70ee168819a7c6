using Courier.Storage.Devices;

namespace Courier.Storage.Tests.Journal;

/// <summary>The contract over the memory device; a stop is a power loss, so only synced bytes survive it.</summary>
public sealed class MemoryJournalStoreTests : JournalStoreContract
{
    private readonly MemoryJournalDevice _device = new();

    protected override IJournalDevice OpenDevice() => _device;

    protected override void AfterStop() => _device.Crash();
}
