using System.Globalization;

namespace Courier.PerfTest.Measurement;

/// <summary>Reads another process's resident memory and CPU time from /proc (Linux only).</summary>
public static class ProcessProbe
{
    // USER_HZ is 100 on every Linux architecture .NET runs on.
    private const double ClockTicksPerSecond = 100;

    /// <summary>VmRSS of <paramref name="pid"/> in KiB, or null if the process or /proc is gone.</summary>
    public static long? ResidentKib(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>User plus system CPU seconds used by <paramref name="pid"/> so far, or null.</summary>
    public static double? CpuSeconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name (field 2) may contain spaces; fields are counted after its closing parenthesis.
        int close = stat.LastIndexOf(')');
        string[] fields = stat[(close + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (utime + stime) / ClockTicksPerSecond;
    }

    /// <summary>CPU seconds this process has used.</summary>
    public static double OwnCpuSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;
}
