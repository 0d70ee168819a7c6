using Courier.Server.Hosting;
using Courier.Storage.Directories;
using Xunit;

namespace Courier.Server.Tests;

/// <summary>
/// One broker per data directory: a second one started on a directory in use refuses before it
/// reads, upgrades or appends anything, and the directory is free again once the first has stopped.
/// </summary>
public sealed class DataDirectoryLockTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-lock-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task A_second_broker_on_a_data_directory_in_use_refuses_to_start()
    {
        // 1. The first broker takes the directory.
        var first = Start();
        await first.StartAsync();

        // 2. A second one on the same directory refuses, naming the directory.
        await using (var second = Start())
        {
            var refusal = await Assert.ThrowsAsync<DataDirectoryInUseException>(() => second.StartAsync());
            Assert.Contains(_dataDir, refusal.Message);
        }

        // 3. The first stops; the directory is free for the next.
        await first.StopAsync();
        await first.DisposeAsync();
        await using var third = Start();
        await third.StartAsync();
        await third.StopAsync();
    }

    [Fact]
    public void The_lock_is_released_when_disposed()
    {
        var held = DataDirectoryLock.Acquire(_dataDir);
        Assert.Throws<DataDirectoryInUseException>(() => DataDirectoryLock.Acquire(_dataDir));
        held.Dispose();
        DataDirectoryLock.Acquire(_dataDir).Dispose();
    }

    private CourierHost Start() =>
        CourierHost.Create([.. LoopbackListeners.Args, "--data-dir", _dataDir]);
}
