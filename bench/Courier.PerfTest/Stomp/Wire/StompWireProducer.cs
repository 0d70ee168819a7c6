using System.Buffers.Text;
using System.Diagnostics;
using System.Text;
using Courier.PerfTest.Amqp;
using Courier.PerfTest.Load;
using Courier.PerfTest.Measurement;
using Courier.PerfTest.Messages;

namespace Courier.PerfTest.Stomp.Wire;

/// <summary>
/// A producer on the lean STOMP client (the batching loop is <see cref="BatchingProducer"/>'s).
/// With a receipt window each SEND carries <c>receipt:&lt;tag&gt;</c> and holds its slot until the
/// RECEIPT, which the reader thread settles: for a persistent SEND to a durable queue that is the
/// broker's word that the message is on disk, as a publisher confirm is. An ERROR frame ends the run
/// with the broker's message.
/// </summary>
public sealed class StompWireProducer : BatchingProducer
{
    private const int ReceiptHeaderMax = 32; // "receipt:" + a ulong + LF

    private readonly StompWireConnection _connection;
    private readonly byte[] _headers;
    private readonly byte[] _body;

    private StompWireProducer(StompWireConnection connection, int id, string destination, bool persistent, int messageSize, int window,
        ProducerCounters counters, RatePacer pacer)
        : base(id, window > 0 ? new ConfirmWindow(window) : null, counters, pacer, "receipts")
    {
        _connection = connection;
        _body = MessageStamp.NewBody(messageSize);
        _headers = Encoding.UTF8.GetBytes(
            $"SEND\ndestination:{destination}\n{(persistent ? "persistent:true\n" : "")}content-length:{_body.Length}\n");
        StartReader($"perftest-stomp-producer-{id}-reader");
    }

    internal static Task<StompWireProducer> CreateAsync(StompEndpoint endpoint, int id, string destination, bool persistent, int messageSize,
        int window, ProducerCounters counters, RatePacer pacer, CancellationToken cancellationToken) =>
        Task.Run(() => new StompWireProducer(endpoint.Open(), id, destination, persistent, messageSize, window, counters, pacer), cancellationToken);

    protected override int MessageLength => _headers.Length + ReceiptHeaderMax + 1 + _body.Length + 1;

    /// <summary>One SEND frame: the fixed headers, the receipt (with a window), a blank line, the stamped body and NUL.</summary>
    protected override int WriteMessage(Span<byte> destination, long sequence, ulong tag)
    {
        new MessageStamp(Id, sequence, Stopwatch.GetTimestamp()).Write(_body);
        _headers.CopyTo(destination);
        int length = _headers.Length;
        if (tag != 0)
        {
            "receipt:"u8.CopyTo(destination[length..]);
            length += "receipt:"u8.Length;
            Utf8Formatter.TryFormat(tag, destination[length..], out int digits);
            length += digits;
            destination[length++] = (byte)'\n';
        }

        destination[length++] = (byte)'\n';
        _body.CopyTo(destination[length..]);
        length += _body.Length;
        destination[length++] = 0;
        return length;
    }

    protected override void Send(ReadOnlySpan<byte> batch) => _connection.Send(batch);

    protected override void ReadReplies()
    {
        while (true)
        {
            var frame = _connection.ReadFrame();
            if (frame.Is("RECEIPT"u8) && Window is not null && frame.TryGetHeader("receipt-id"u8, out var id)
                && Utf8Parser.TryParse(id, out ulong tag, out _))
            {
                Counters.CountConfirmed(Window.Settle(tag, multiple: false));
            }
            else if (frame.Is("ERROR"u8))
            {
                Closed($"ERROR from the broker: {frame.Describe()}");
                return;
            }
        }
    }

    protected override void CloseConnection(bool graceful)
    {
        if (graceful)
        {
            _connection.Close();
        }
        else
        {
            _connection.Dispose();
        }
    }
}
