using System.Globalization;
using System.Text;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Durability;

/// <summary>
/// Message number <see cref="Sequence"/> of a named stream (one publisher). Body and properties are
/// a pure function of the pair, so a reader can tell a message that came back exactly as published
/// from one that was altered, truncated or mixed with another:
/// <c>stream|sequence|payload|checksum</c>, with a pseudo-random payload of 16 to 1,024 characters
/// and an FNV-1a checksum over everything before it.
/// </summary>
internal readonly record struct SequencedMessage(string Stream, long Sequence)
{
    public string MessageId => $"{Stream}-{Sequence}";

    public byte[] Body()
    {
        var state = Fnv1a(Encoding.UTF8.GetBytes(MessageId)) | 1;
        var payload = new char[16 + (int)(state % 1009)];
        for (var i = 0; i < payload.Length; i++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            payload[i] = (char)('a' + (int)(state % 26));
        }

        var text = $"{Stream}|{Sequence.ToString(CultureInfo.InvariantCulture)}|{new string(payload)}|";
        return Encoding.UTF8.GetBytes(text + Fnv1a(Encoding.UTF8.GetBytes(text)).ToString("x16", CultureInfo.InvariantCulture));
    }

    public BasicProperties Properties(bool persistent = true) => new()
    {
        MessageId = MessageId,
        ContentType = "text/plain",
        DeliveryMode = persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
        Headers = new Dictionary<string, object?> { ["sequence"] = Sequence },
    };

    /// <summary>
    /// Reads a message back and checks it is exactly what <see cref="Body"/> and <see cref="Properties"/>
    /// produced; fails the test, naming the queue, if it is not.
    /// </summary>
    public static SequencedMessage Verify(string queue, ReadOnlySpan<byte> body, IReadOnlyBasicProperties properties)
    {
        var text = Encoding.UTF8.GetString(body);
        var fields = text.Split('|');
        Assert.True(fields.Length == 4, $"queue '{queue}' holds a body that is not a sequenced message: '{Shorten(text)}'");
        var checksumStart = text.Length - fields[3].Length;
        Assert.True(
            Fnv1a(Encoding.UTF8.GetBytes(text[..checksumStart])).ToString("x16", CultureInfo.InvariantCulture) == fields[3],
            $"queue '{queue}' holds a corrupt body (checksum mismatch): '{Shorten(text)}'");
        Assert.True(long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence), $"bad sequence in '{Shorten(text)}'");

        var message = new SequencedMessage(fields[0], sequence);
        Assert.True(body.SequenceEqual(message.Body()), $"queue '{queue}' holds an altered body for {message.MessageId}");
        Assert.Equal(message.MessageId, properties.MessageId);
        Assert.Equal("text/plain", properties.ContentType);
        Assert.True(properties.Headers?.TryGetValue("sequence", out var header) == true && Equals(header, sequence), $"header 'sequence' of {message.MessageId} was lost or altered");
        return message;
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
