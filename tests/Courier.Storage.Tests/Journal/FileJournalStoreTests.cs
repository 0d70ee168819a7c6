using Courier.Storage.Devices;

namespace Courier.Storage.Tests.Journal;

/// <summary>The contract over segment files in a fresh temporary directory.</summary>
public sealed class FileJournalStoreTests : JournalStoreContract
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-journal-" + Guid.NewGuid().ToString("N"));

    protected override IJournalDevice OpenDevice() => new FileJournalDevice(_directory);

    protected override void AfterStop()
    {
    }

    public override void Dispose()
    {
        base.Dispose();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
