using System.Buffers;
using System.IO.Pipelines;

namespace Courier.Core.Buffers;

/// <summary>
/// Inline writes at a low rate: a reader that woke from an idle wait handles its read inside a
/// batch (<see cref="BeginInlineBatch"/>), and the frames the read causes (its own answers, and the
/// deliveries of what it routed, which queues hand to subscribers on its thread) are written to
/// their sockets by the reader itself when the batch ends, instead of waking a writer loop (a
/// thread-pool hop) per connection.
/// </summary>
/// <remarks>
/// <para>Only a reader that found its connection idle starts a batch (the caller decides, from
/// how long it waited for the read): at a high rate reads follow each other closely, no batch is
/// started, and frames wake the writer loops at once as before, so sends stay on other threads in
/// parallel with the reader. Measured on branch <c>mqtt-inline-flush</c>: writing inline on every
/// read cost 6–11 % of the QoS 1 throughput.</para>
/// <para>Only the first <see cref="InlineWritesPerBatch"/> connections of a batch are written
/// inline; the rest (a fanout) wake their writer loops at once, as before, which run in parallel
/// with the reader. The writer loop and an inline write never copy to the pipe at the same
/// time (<see cref="_writing"/>); a write the pipe cannot take at once (the socket is behind) is
/// finished asynchronously and hands over to the writer loop.</para>
/// </remarks>
public abstract partial class SocketOutbound
{
    private const int InlineWritesPerBatch = 4;

    // The outbounds appended to during the current batch on this thread, in order.
    [ThreadStatic]
    private static List<SocketOutbound>? t_batch;
    [ThreadStatic]
    private static int t_batchDepth;

    // Someone (the writer loop, or a reader ending its batch) is copying to the pipe: nobody else may.
    private bool _writing;
    // Registered in some thread's batch, which writes it or signals it when the batch ends.
    private bool _batched;
    private PipeWriter? _output;
    private CancellationToken _cancellation;

    /// <summary>Starts an inline batch on this thread; pair with <see cref="EndInlineBatch"/> (in a finally).</summary>
    public static void BeginInlineBatch() => t_batchDepth++;

    /// <summary>Ends the batch: what it wrote to the first few outbounds is written to their sockets here.</summary>
    public static void EndInlineBatch()
    {
        if (--t_batchDepth > 0 || t_batch is not { Count: > 0 } batch)
        {
            return;
        }

        foreach (var outbound in batch)
        {
            outbound.EndBatched();
        }

        batch.Clear();
    }

    /// <summary>Under the lock, after an append: true when a batch on this thread will write or signal this outbound.</summary>
    private bool DeferredToBatchLocked()
    {
        if (_batched)
        {
            return true;
        }

        if (t_batchDepth == 0 || _signalled || _output is null || t_batch is { Count: >= InlineWritesPerBatch })
        {
            return false;
        }

        _batched = true;
        (t_batch ??= []).Add(this);
        return true;
    }

    private void EndBatched()
    {
        lock (_gate)
        {
            _batched = false;
            if (_writing || _completed || _output is null || _filling.WrittenCount == 0)
            {
                SignalLocked();
                return;
            }

            _writing = true;
            (_filling, _draining) = (_draining, _filling);
        }

        WriteInline(_output);
    }

    private void WriteInline(PipeWriter output)
    {
        ValueTask<FlushResult> flush;
        try
        {
            output.Write(_draining.WrittenSpan);
            Traffic.OnSent(_draining.WrittenCount);
            _draining.Flushed();
            flush = output.FlushAsync(_cancellation);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The pipe is closing; the writer loop sees it too and ends.
            EndInlineWrite();
            return;
        }

        if (flush.IsCompleted)
        {
            EndInlineWrite();
            return;
        }

        // The socket is behind (the pipe is past its pause threshold): finished off this thread.
        _ = AwaitInlineFlushAsync(flush);
    }

    private async Task AwaitInlineFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The pipe closed; the writer loop ends on its own.
        }
        finally
        {
            EndInlineWrite();
        }
    }

    /// <summary>An inline write is done: the writer loop takes what came meanwhile, the end, or a congestion to clear.</summary>
    private void EndInlineWrite()
    {
        lock (_gate)
        {
            _writing = false;
            if (_filling.WrittenCount > 0 || _completed || IsCongested)
            {
                SignalLocked();
            }
        }
    }
}
