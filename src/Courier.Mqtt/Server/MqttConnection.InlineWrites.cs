using System.Buffers;
using System.Diagnostics;
using Courier.Core.Buffers;

namespace Courier.Mqtt.Server;

/// <summary>
/// Low-rate latency: a read that comes after the reader waited idle is handled inside an inline
/// batch (<see cref="SocketOutbound.BeginInlineBatch"/>), so the PUBACK it causes and the
/// deliveries of what it routes are written to their sockets by this thread when the read is
/// handled, rather than by writer loops woken on the thread pool (a hop per connection per
/// message, most of a delivery's latency at 1,000 msg/s). Reads that follow each other closely
/// (a high rate) are handled as before: their frames wake the writer loops, which send in
/// parallel with the reader.
/// </summary>
internal sealed partial class MqttConnection
{
    // A reader that waited this long for its read is idle: about 5,000 reads a second or fewer.
    private static readonly long IdleReadTicks = Stopwatch.Frequency / 5_000;

    /// <summary>Handles one read; <paramref name="waitStarted"/> is when the reader began waiting for it.</summary>
    private void ProcessRead(ref ReadOnlySequence<byte> buffer, long waitStarted)
    {
        if (Stopwatch.GetTimestamp() - waitStarted < IdleReadTicks)
        {
            Process(ref buffer);
            return;
        }

        SocketOutbound.BeginInlineBatch();
        try
        {
            Process(ref buffer);
        }
        finally
        {
            SocketOutbound.EndInlineBatch();
        }
    }
}
