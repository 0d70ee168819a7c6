using System.Buffers;
using Courier.Amqp091.Framing;
using Courier.Amqp091.Mapping;

namespace Courier.Fuzz;

/// <summary>
/// AMQP 0-9-1: the protocol header, then frames read with the connection's frame_max, each method
/// frame's arguments decoded by the generated reader the connection or channel uses, each content
/// header decoded as a publish's is. The refusal is <see cref="AmqpProtocolException"/>.
/// </summary>
internal static class AmqpTargets
{
    /// <summary>The broker's default frame_max (AmqpOptions.FrameMax).</summary>
    private const uint FrameMax = 131072;

    /// <summary>First byte: the piece size; the rest: what a client sends after connecting.</summary>
    public static void Frames(byte[] input)
    {
        if (input.Length < 1)
        {
            return;
        }

        var data = input.AsMemory(1);
        var strings = new ShortStringCache();
        try
        {
            var headerRead = false;
            Segments.Feed(data, Segments.PieceSize(input[0]), (ref ReadOnlySequence<byte> buffer) =>
            {
                if (!headerRead)
                {
                    switch (AmqpFrameReader.TryReadProtocolHeader(ref buffer))
                    {
                        case AmqpFrameReader.HeaderResult.NeedMore:
                            return false;
                        case AmqpFrameReader.HeaderResult.Rejected:
                            // The connection answers with its own header and closes: nothing more is read.
                            buffer = buffer.Slice(buffer.End);
                            return true;
                        default:
                            headerRead = true;
                            return true;
                    }
                }

                if (!AmqpFrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
                {
                    return false;
                }

                Decode(frame, strings);
                return true;
            });
        }
        catch (AmqpProtocolException e)
        {
            FuzzTargets.Refused(e);
        }
    }

    /// <summary>A field table as the arguments of a declare or the headers property carry it.</summary>
    public static void Table(byte[] input)
    {
        try
        {
            var position = 0;
            _ = AmqpFieldTableCodec.ReadTable(input, ref position);
        }
        catch (WireFormatException e)
        {
            FuzzTargets.Refused(e);
        }
    }

    private static void Decode(in AmqpFrame frame, ShortStringCache strings)
    {
        var payload = frame.Payload.ToArray();
        switch (frame.Type)
        {
            case AmqpFrameType.Method:
                var key = AmqpFrameReader.ReadMethodKey(payload);
                var reader = new AmqpReader(payload.AsSpan(4), strings);
                DecodeMethod(key, ref reader);
                break;
            case AmqpFrameType.Header:
                _ = ContentHeaderCodec.PeekBodySize(payload);
                _ = ContentHeaderCodec.Read(payload);
                break;
        }
    }

    /// <summary>Every method the connection and its channels read from a client.</summary>
    private static void DecodeMethod(uint key, ref AmqpReader reader)
    {
        switch (key)
        {
            case AccessRequest.Key: _ = AccessRequest.Read(ref reader); break;
            case BasicAck.Key: _ = BasicAck.Read(ref reader); break;
            case BasicCancel.Key: _ = BasicCancel.Read(ref reader); break;
            case BasicConsume.Key: _ = BasicConsume.Read(ref reader); break;
            case BasicGet.Key: _ = BasicGet.Read(ref reader); break;
            case BasicNack.Key: _ = BasicNack.Read(ref reader); break;
            case BasicPublish.Key: _ = BasicPublish.Read(ref reader); break;
            case BasicQos.Key: _ = BasicQos.Read(ref reader); break;
            case BasicRecover.Key: _ = BasicRecover.Read(ref reader); break;
            case BasicRecoverAsync.Key: _ = BasicRecoverAsync.Read(ref reader); break;
            case BasicReject.Key: _ = BasicReject.Read(ref reader); break;
            case ChannelClose.Key: _ = ChannelClose.Read(ref reader); break;
            case ChannelFlow.Key: _ = ChannelFlow.Read(ref reader); break;
            case ChannelOpen.Key: _ = ChannelOpen.Read(ref reader); break;
            case ConfirmSelect.Key: _ = ConfirmSelect.Read(ref reader); break;
            case ConnectionClose.Key: _ = ConnectionClose.Read(ref reader); break;
            case ConnectionOpen.Key: _ = ConnectionOpen.Read(ref reader); break;
            case ConnectionStartOk.Key: _ = ConnectionStartOk.Read(ref reader); break;
            case ConnectionTuneOk.Key: _ = ConnectionTuneOk.Read(ref reader); break;
            case ConnectionUpdateSecret.Key: _ = ConnectionUpdateSecret.Read(ref reader); break;
            case ExchangeBind.Key: _ = ExchangeBind.Read(ref reader); break;
            case ExchangeDeclare.Key: _ = ExchangeDeclare.Read(ref reader); break;
            case ExchangeDelete.Key: _ = ExchangeDelete.Read(ref reader); break;
            case ExchangeUnbind.Key: _ = ExchangeUnbind.Read(ref reader); break;
            case QueueBind.Key: _ = QueueBind.Read(ref reader); break;
            case QueueDeclare.Key: _ = QueueDeclare.Read(ref reader); break;
            case QueueDelete.Key: _ = QueueDelete.Read(ref reader); break;
            case QueuePurge.Key: _ = QueuePurge.Read(ref reader); break;
            case QueueUnbind.Key: _ = QueueUnbind.Read(ref reader); break;
        }
    }
}
