using System.Diagnostics;

namespace Courier.IntegrationTests.Infrastructure;

/// <summary>
/// A small real filesystem made for one test: a tmpfs of a given size mounted on a new directory,
/// unmounted and removed on dispose. Mounting needs root (CI runs as root): without it the test
/// fails saying so, it is never skipped.
/// </summary>
public sealed class SmallDisk : IAsyncDisposable
{
    private SmallDisk(string path, long size)
    {
        Path = path;
        Size = size;
    }

    public string Path { get; }

    public long Size { get; }

    /// <summary>Free bytes, as the broker's disk alarm measures them.</summary>
    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    public static async Task<SmallDisk> MountAsync(long size)
    {
        Assert.True(
            Environment.UserName == "root",
            $"mounting a {size}-byte tmpfs needs root (CI runs as root); running as {Environment.UserName}");
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "courier-small-disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var (code, error) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            Assert.Fail($"mount -t tmpfs -o size={size} failed ({code}): {error}");
        }

        return new SmallDisk(path, size);
    }

    /// <summary>Writes <paramref name="path"/> until the filesystem is full (ENOSPC).</summary>
    public void Fill(string path)
    {
        var chunk = new byte[1024 * 1024];
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var written = 0L; written <= Size; written += chunk.Length)
        {
            try
            {
                stream.Write(chunk);
            }
            catch (IOException)
            {
                // Full: what did not fit in the last chunk goes in smaller pieces.
                for (var piece = chunk.Length / 2; piece >= 512; piece /= 2)
                {
                    try
                    {
                        stream.Write(chunk, 0, piece);
                    }
                    catch (IOException)
                    {
                    }
                }

                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<(int Code, string Error)> RunAsync(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = await process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, error.Trim());
    }
}
