using System.Buffers;
using System.IO.Pipelines;
using Courier.Server.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.Fuzz;

/// <summary>
/// The WebSocket frame reader of the MQTT and STOMP WebSocket listeners: a client's frames arrive
/// on the socket in pieces and the receive loop unmasks their payloads into the protocol's input.
/// Its refusal is not an exception: it records a close status (1002, 1003, 1009) and ends the
/// protocol's input cleanly. So any exception the protocol's input ends with is a finding (the fake
/// socket never fails), and so is a receive loop still running once the socket's input has ended.
/// </summary>
internal static class WebSocketTargets
{
    private static readonly WebSocketTransportOptions Options = new()
    {
        Path = "/ws",
        SubProtocols = ["mqtt"],
        MaxFramePayloadBytes = 64 * 1024,
        BufferedBytesLimit = 1024 * 1024,
    };

    /// <summary>First byte: the piece size (low 6 bits) and whether text frames are accepted (bit 6); the rest: the frames.</summary>
    public static void Frames(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        var options = (input[0] & 0x40) != 0 ? Options with { AcceptTextFrames = true } : Options;
        var fromClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var toClient = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var socket = new DefaultConnectionContext("fuzz") { Transport = new Duplex(fromClient.Reader, toClient.Writer) };
        var connection = new WebSocketConnection(socket, "mqtt", options, NullLogger.Instance);
        var protocol = Task.Run(() => DrainAsync(connection.Input));
        var receiving = connection.ReceiveLoopAsync();

        var pieceSize = Segments.PieceSize(input[0]);
        for (var at = 1; at < input.Length; at += pieceSize)
        {
            var piece = input.AsSpan(at, Math.Min(pieceSize, input.Length - at));
            fromClient.Writer.Write(piece);
            _ = fromClient.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        }

        fromClient.Writer.Complete();
        if (!Task.WaitAll([receiving, protocol], TimeSpan.FromSeconds(5)))
        {
            throw new TimeoutException("the receive loop did not end within 5 s of the socket's input ending");
        }

        // An exception here is the one the protocol's input ended with: the receive loop failed.
        protocol.GetAwaiter().GetResult();
    }

    private static async Task DrainAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await reader.CompleteAsync().ConfigureAwait(false);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
