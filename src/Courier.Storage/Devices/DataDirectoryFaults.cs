namespace Courier.Storage.Devices;

/// <summary>Telling a full disk from other I/O errors, for the one-line refusals at start-up.</summary>
public static class DataDirectoryFaults
{
    /// <summary>The exit code of a start-up refused because the disk is full (EX_TEMPFAIL: try again later).</summary>
    public const int DiskFullExitCode = 75;

    private const int NoSpaceLeft = 28; // ENOSPC on Linux
    private const int QuotaExceeded = 122; // EDQUOT on Linux

    /// <summary>True for ENOSPC or EDQUOT (.NET gives the errno as the HResult on Unix).</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is NoSpaceLeft or QuotaExceeded || e.Message.Contains("No space left on device", StringComparison.Ordinal);
}
