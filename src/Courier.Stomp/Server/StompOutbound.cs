using Courier.Core.Buffers;
using Courier.Core.Messages;
using Courier.Stomp.Frames;

namespace Courier.Stomp.Server;

/// <summary>
/// The frames waiting to be written to one STOMP connection's socket (<see cref="SocketOutbound"/>):
/// written by the reader (receipts, errors), by queues delivering to its subscriptions, by the
/// store's committer (receipts once durable) and by the heart-beat timer, which reads
/// <see cref="LastWrite"/> to know when the connection has been quiet.
/// </summary>
internal sealed class StompOutbound : SocketOutbound
{
    private readonly TimeProvider _time;
    private long _lastWrite;

    public StompOutbound(int highWatermark, TimeProvider time)
        : base(highWatermark)
    {
        _time = time;
        _lastWrite = time.GetTimestamp();
    }

    /// <summary>The version frames are written in; set once CONNECT is read.</summary>
    public StompVersion Version { get; set; } = StompVersion.V12;

    /// <summary>When the last frame or heart-beat was queued (a <see cref="TimeProvider"/> timestamp).</summary>
    public long LastWrite => Volatile.Read(ref _lastWrite);

    /// <exception cref="ArgumentException">The frame cannot be expressed in the connection's version (nothing is written).</exception>
    public void Write(StompFrame frame) =>
        Append((frame, Version), static (output, state) => StompFrameWriter.Write(output, state.frame, state.Version));

    /// <summary>One delivery's MESSAGE frame, encoded straight into the buffer (<see cref="StompMessageEncoding"/>).</summary>
    /// <exception cref="ArgumentException">A header cannot be expressed in the connection's version (nothing is written).</exception>
    public void WriteMessage(StompMessageEncoding encoding, Message message, ulong tag, bool withAck, bool redelivered) =>
        Append(
            (encoding, message, tag, withAck, redelivered),
            static (output, state) => state.encoding.Write(output, state.message, state.tag, state.withAck, state.redelivered));

    public void WriteHeartBeat() => Append(0, static (output, _) => StompFrameWriter.WriteHeartBeat(output));

    protected override void OnAppended() => Volatile.Write(ref _lastWrite, _time.GetTimestamp());
}
