using Courier.Core.Messages;
using Courier.Storage.Format;

namespace Courier.Benchmarks.Journal;

/// <summary>
/// Encodes <see cref="SampleMessage"/>, with a few headers of the commonest types, in the journal's
/// neutral message encoding into a reused buffer: what every persistent publish pays inside the
/// journal append, on its own so a header table's cost shows.
/// </summary>
public sealed class MessageRecordEncoding
{
    private readonly Message _message;
    private readonly byte[] _buffer;

    public MessageRecordEncoding()
    {
        var properties = SampleMessage.CreateProperties();
        properties.CorrelationId = "request-42"u8.ToArray();
        properties.Headers = new Dictionary<string, object?>
        {
            ["tenant"] = "acme",
            ["attempt"] = 3,
            ["trace"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"u8.ToArray(),
            ["urgent"] = true,
        };
        _message = new Message(SampleMessage.Exchange, SampleMessage.RoutingKey, properties, SampleMessage.CreateBody(),
            new MessageAnnotations { PublishedBy = PublishingProtocol.Amqp091 });
        _buffer = new byte[StoredMessageCodec.Measure(_message)];
    }

    public int Encode()
    {
        var position = 0;
        if (StoredMessageCodec.Measure(_message) > _buffer.Length)
        {
            throw new InvalidOperationException("the sample message grew");
        }

        StoredMessageCodec.Write(_buffer, ref position, _message);
        return position;
    }
}
