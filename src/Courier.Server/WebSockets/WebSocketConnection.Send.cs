using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;

namespace Courier.Server.WebSockets;

/// <summary>The send loop: the protocol's output to binary frames, pongs and the closing Close (RFC 6455 section 5).</summary>
internal sealed partial class WebSocketConnection
{
    private const byte FinBinary = 0x80 | 0x2;
    private const byte FinClose = 0x80 | 0x8;
    private const byte FinPong = 0x80 | 0xA;

    /// <summary>Sends until the protocol completes its output, then sends Close; ends early if the socket goes.</summary>
    public async Task SendLoopAsync()
    {
        var socket = _socket.Transport.Output;
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var wrote = WritePendingPong(socket);
                if (!buffer.IsEmpty)
                {
                    // Server frames are not masked; one flush of the protocol is one frame.
                    WriteHeader(socket, FinBinary, buffer.Length);
                    foreach (var segment in buffer)
                    {
                        socket.Write(segment.Span);
                    }

                    wrote = true;
                }

                reader.AdvanceTo(buffer.End);
                if (wrote && (await socket.FlushAsync().ConfigureAwait(false)).IsCompleted)
                {
                    return;
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }

            Span<byte> status = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(status, (ushort)Volatile.Read(ref _closeStatus));
            WriteHeader(socket, FinClose, status.Length);
            socket.Write(status);
            await socket.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The socket is gone (the client left, or the connection was aborted): nothing more can be sent.
        }
        finally
        {
            // A protocol still writing sees its output completed, as with a closed TCP socket.
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private bool WritePendingPong(PipeWriter socket)
    {
        byte[]? payload;
        lock (_controlGate)
        {
            payload = _pongPayload;
            _pongPayload = null;
        }

        if (payload is null)
        {
            return false;
        }

        WriteHeader(socket, FinPong, payload.Length);
        socket.Write(payload);
        return true;
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte first, long length)
    {
        var header = output.GetSpan(10);
        header[0] = first;
        int size;
        if (length <= 125)
        {
            header[1] = (byte)length;
            size = 2;
        }
        else if (length <= ushort.MaxValue)
        {
            header[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)length);
            size = 4;
        }
        else
        {
            header[1] = 127;
            BinaryPrimitives.WriteUInt64BigEndian(header[2..], (ulong)length);
            size = 10;
        }

        output.Advance(size);
    }
}
