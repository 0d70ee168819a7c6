using System.Buffers;
using System.IO.Pipelines;
using Courier.Core.Buffers;

namespace Courier.Core.Tests.Buffers;

/// <summary>
/// Inline batches (<see cref="SocketOutbound.BeginInlineBatch"/>): frames appended during one are
/// written to the pipe by the thread that ends it, not by the writer loop; past the first few
/// outbounds, and outside a batch, the writer loop writes them as before.
/// </summary>
public sealed class SocketOutboundInlineTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30); // a liveness bound, generous for a loaded machine

    [Fact]
    public async Task Frames_appended_in_a_batch_are_on_the_pipe_when_the_batch_ends()
    {
        using var stop = new CancellationTokenSource();
        var (outbound, pipe, loop) = Start(stop.Token);

        SocketOutbound.BeginInlineBatch();
        try
        {
            outbound.Write([1, 2]);
            outbound.Write([3]);

            // Deferred to the end of the batch: the writer loop was not woken.
            Assert.False(pipe.Reader.TryRead(out _));
        }
        finally
        {
            SocketOutbound.EndInlineBatch();
        }

        Assert.True(pipe.Reader.TryRead(out var result));
        Assert.Equal([1, 2, 3], result.Buffer.ToArray());
        pipe.Reader.AdvanceTo(result.Buffer.End);

        // The writer loop still writes what comes later, outside a batch.
        outbound.Write([4]);
        Assert.Equal([4], await ReadAsync(pipe));

        await StopAsync(outbound, loop);
    }

    [Fact]
    public async Task Past_the_first_four_outbounds_of_a_batch_the_writer_loops_write()
    {
        using var stop = new CancellationTokenSource();
        var started = Enumerable.Range(0, 6).Select(_ => Start(stop.Token)).ToList();

        SocketOutbound.BeginInlineBatch();
        try
        {
            for (var i = 0; i < started.Count; i++)
            {
                started[i].Outbound.Write([(byte)i]);
            }
        }
        finally
        {
            SocketOutbound.EndInlineBatch();
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.True(started[i].Pipe.Reader.TryRead(out var result));
            Assert.Equal([(byte)i], result.Buffer.ToArray());
            started[i].Pipe.Reader.AdvanceTo(result.Buffer.End);
        }

        for (var i = 4; i < started.Count; i++)
        {
            Assert.Equal([(byte)i], await ReadAsync(started[i].Pipe));
        }

        foreach (var (outbound, _, loop) in started)
        {
            await StopAsync(outbound, loop);
        }
    }

    [Fact]
    public async Task Completing_after_an_inline_write_flushes_the_rest_and_ends_the_loop()
    {
        using var stop = new CancellationTokenSource();
        var (outbound, pipe, loop) = Start(stop.Token);

        SocketOutbound.BeginInlineBatch();
        outbound.Write([1]);
        SocketOutbound.EndInlineBatch();
        outbound.Write([2]);
        outbound.Complete();

        await loop.WaitAsync(Timeout);
        var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        Assert.Equal([1, 2], result.Buffer.ToArray());
    }

    private static (TestOutbound Outbound, Pipe Pipe, Task Loop) Start(CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false));
        var outbound = new TestOutbound();
        return (outbound, pipe, outbound.RunAsync(pipe.Writer, cancellationToken));
    }

    private static async Task<byte[]> ReadAsync(Pipe pipe)
    {
        var result = await pipe.Reader.ReadAsync().AsTask().WaitAsync(Timeout);
        var bytes = result.Buffer.ToArray();
        pipe.Reader.AdvanceTo(result.Buffer.End);
        return bytes;
    }

    private static async Task StopAsync(TestOutbound outbound, Task loop)
    {
        outbound.Complete();
        await loop.WaitAsync(Timeout);
    }

    private sealed class TestOutbound() : SocketOutbound(highWatermark: 1 << 20)
    {
        public void Write(byte[] frame) => Append(frame, static (output, bytes) => output.Write(bytes));
    }
}
