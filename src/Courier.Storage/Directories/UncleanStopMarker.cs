using Courier.Core.Storage;

namespace Courier.Storage.Directories;

/// <summary>
/// <c>courier.running</c> in the data directory: created (and fsynced) at start, once recovery is
/// done and before any client can connect; deleted at a clean stop, after the journal is closed.
/// Found at start, it says the previous run stopped uncleanly (SIGKILL, a crash, a power loss), so
/// deliveries whose <c>Delivered</c> records had not reached the disk may be missing from the journal.
/// </summary>
/// <remarks>
/// <para>After an unclean stop every recovered message is flagged as delivered before: a message
/// delivered before the crash must come back with <c>redelivered=true</c> (consumers skip their
/// de-duplication on an unset flag), and a never-delivered one flagged too is allowed. This costs one
/// small file per start and nothing per delivery, where an exact answer would need each delivery's
/// record on disk before the delivery is sent.</para>
/// <para>The flag must outlive the run that sets it (a message may stay undelivered through it and
/// a clean stop after it), so it is kept as a watermark rather than as records per message:
/// <c>courier.redelivered</c> holds the highest message id recovered after an unclean stop, and
/// every message with an id up to it is flagged at every later start. Message ids only grow, and
/// compaction keeps them, so the file is one number that never goes down.</para>
/// <para>A data directory written by a release without the marker has none: its first start is
/// taken as after a clean stop. A failed deletion at stop (a full disk does not prevent it) only
/// flags messages that need not be: it errs on the safe side.</para>
/// </remarks>
public static class UncleanStopMarker
{
    public const string FileName = "courier.running";

    /// <summary>The watermark: messages with ids up to the number it holds were recovered after an unclean stop.</summary>
    public const string WatermarkFileName = "courier.redelivered";

    /// <summary>True when the previous run on <paramref name="dataDir"/> did not stop cleanly.</summary>
    public static bool WasLeftBy(string dataDir) => File.Exists(Path.Combine(dataDir, FileName));

    /// <summary>Creates the marker and syncs it: from now on a crash is detected at the next start.</summary>
    /// <exception cref="IOException">The marker could not be written.</exception>
    public static void Place(string dataDir)
    {
        using var file = new FileStream(Path.Combine(dataDir, FileName), FileMode.Create, FileAccess.Write, FileShare.None);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Deletes the marker after a clean stop.</summary>
    public static void Remove(string dataDir) => File.Delete(Path.Combine(dataDir, FileName));

    /// <summary>
    /// Flags the recovered messages that may have been delivered before: after an unclean stop
    /// (<paramref name="uncleanStop"/>) all of them, and the watermark is raised to the highest
    /// recovered id first; otherwise those up to the watermark an earlier unclean stop left.
    /// Returns how many messages were flagged that were not already.
    /// </summary>
    /// <param name="failure">Set when the raised watermark could not be written (a full disk): the
    /// messages are flagged for this run, but a clean stop and restart would lose the flag.</param>
    public static int FlagMaybeDelivered(string dataDir, bool uncleanStop, IReadOnlyDictionary<int, List<RecoveredMessage>> queues, out IOException? failure)
    {
        failure = null;
        var path = Path.Combine(dataDir, WatermarkFileName);
        var watermark = ReadWatermark(path);
        if (uncleanStop)
        {
            var highest = watermark;
            foreach (var list in queues.Values)
            {
                foreach (var recovered in list)
                {
                    highest = Math.Max(highest, recovered.MessageId);
                }
            }

            if (highest > watermark)
            {
                try
                {
                    WriteWatermark(path, highest);
                }
                catch (IOException e)
                {
                    failure = e;
                }

                watermark = highest;
            }
        }

        return watermark == 0 ? 0 : FlagUpTo(queues, watermark);
    }

    // Written by rename, so never torn; a file that does not parse flags everything (the safe side).
    private static long ReadWatermark(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var watermark) ? watermark : long.MaxValue;
    }

    private static void WriteWatermark(string path, long watermark)
    {
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(watermark.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static int FlagUpTo(IReadOnlyDictionary<int, List<RecoveredMessage>> queues, long watermark)
    {
        var flagged = 0;
        foreach (var list in queues.Values)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (!list[i].Delivered && list[i].MessageId <= watermark)
                {
                    list[i] = list[i] with { Delivered = true };
                    flagged++;
                }
            }
        }

        return flagged;
    }
}
