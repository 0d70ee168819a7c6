using System.Text;
using Courier.Core.Buffers;
using Courier.Core.Messages;
using Courier.Stomp.Frames;
using Courier.Stomp.Server;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;
using static Courier.Stomp.Tests.Frames.FrameBytes;

namespace Courier.Stomp.Tests.Server;

/// <summary>
/// The fast MESSAGE encoder (<see cref="StompMessageEncoding"/>) against the general one (the
/// mapper's header list through <see cref="StompFrameWriter"/>): the same bytes for every version,
/// escaping case, property and flag, and a refusal exactly where the general one refuses.
/// </summary>
public class MessageEncodingTests
{
    private const string Session = "session-Ab_9";

    // The characters escaping exists for, the ones 1.0 cannot carry, and ordinary, non-ASCII and astral ones.
    private static readonly string[] Pieces = [":", "\n", "\r", "\\", "\\n", "a", "Z", " ", "-", "/", "ü", "ключ", "😀", "="];

    private static Gen<string> Text(int minimumPieces) =>
        from count in Gen.Choose(minimumPieces, 5)
        from pieces in Gen.ArrayOf(Gen.Elements(Pieces), count)
        select string.Concat(pieces);

    private static Gen<string?> MaybeText() => Gen.Frequency((2, Gen.Constant<string?>(null)), (1, Text(0).Select(t => (string?)t)));

    private static Gen<object?> HeaderValue() => Gen.OneOf(
        Text(0).Select(t => (object?)t),
        Gen.Choose(-5, 5000).Select(i => (object?)i),
        Gen.Elements<object?>(true, false, 3.5, (byte)7, 123_456_789_012L, null),
        Text(0).Select(t => (object?)Encoding.UTF8.GetBytes(t)),
        Gen.Constant<object?>(new Dictionary<string, object?> { ["nested"] = "left out" }));

    private static Gen<Dictionary<string, object?>?> Headers() =>
        from count in Gen.Choose(0, 4)
        from names in Gen.ArrayOf(Gen.OneOf(Text(0), Gen.Elements("redelivered", "content-length", "x-custom", "persistent")), count)
        from values in Gen.ArrayOf(HeaderValue(), count)
        select count == 0 ? null : names.Zip(values).DistinctBy(p => p.First).ToDictionary(p => p.First, p => p.Second);

    private static Gen<MessageProperties> Properties() =>
        from contentType in MaybeText()
        from encoding in MaybeText()
        from persistent in Gen.Elements(true, false)
        from priority in Gen.Elements<byte?>(null, 0, 9, 255)
        from correlation in MaybeText()
        from replyTo in Gen.OneOf(MaybeText(), Gen.Elements<string?>("amq.gen-1", "/temp-queue/t", ""))
        from expiry in Gen.Elements<long?>(null, 0, 60_000)
        from messageId in MaybeText()
        from timestamp in Gen.Elements<long?>(null, 1_700_000_000)
        from type in MaybeText()
        from userId in MaybeText()
        from appId in MaybeText()
        from headers in Headers()
        select new MessageProperties
        {
            ContentType = contentType,
            ContentEncoding = encoding,
            Persistence = persistent ? DeliveryPersistence.Persistent : DeliveryPersistence.Transient,
            Priority = priority,
            CorrelationId = correlation is null ? null : Encoding.UTF8.GetBytes(correlation),
            ReplyTo = replyTo,
            ExpiryMilliseconds = expiry,
            MessageId = messageId,
            Timestamp = timestamp is { } seconds ? new Timestamp(seconds) : null,
            Type = type,
            UserId = userId,
            AppId = appId,
            Headers = headers,
        };

    private static Gen<Message> Messages() =>
        from exchange in Gen.Elements("", "amq.topic", "x", "ex:change")
        from routingKey in Text(0)
        from properties in Properties()
        from length in Gen.Frequency((3, Gen.Choose(0, 40)), (1, Gen.Choose(0, 2000)))
        from body in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), length)
        select new Message(exchange, routingKey, properties, body);

    private sealed record Delivery(StompVersion Version, string Subscription, string? FixedDestination, ulong Tag, bool WithAck, bool Redelivered);

    private static Gen<Delivery> Deliveries() =>
        from version in Gen.Elements(Versions)
        from subscription in Gen.OneOf(Text(1), Gen.Elements("sub-0", "/topic/t"))
        from fixedDestination in Gen.Frequency((3, Gen.Constant<string?>(null)), (1, Text(1).Select(t => (string?)("/temp-queue/" + t))))
        from tag in Gen.Elements(1UL, 42UL, ulong.MaxValue)
        from withAck in Gen.Elements(true, false)
        from redelivered in Gen.Elements(true, false)
        select new Delivery(version, subscription, fixedDestination, tag, withAck, redelivered);

    /// <summary>The general encoder's bytes, or null where it refuses the frame.</summary>
    private static byte[]? General(Delivery d, Message message)
    {
        var headers = StompMessageMapper.ToHeaders(
            message,
            d.Subscription,
            d.FixedDestination ?? StompDestination.Of(message.Exchange, message.RoutingKey),
            StompMessageEncoding.AckId(d.Subscription, Session, d.Tag),
            d.WithAck,
            d.Redelivered);
        try
        {
            return Encode(new StompFrame(StompCommand.Message, headers, message.Body), d.Version);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>The fast encoder's bytes (written after a prefix, as into a busy buffer), or null where it refuses.</summary>
    private static byte[]? Fast(Delivery d, Message message, StompMessageEncoding? encoding = null)
    {
        encoding ??= new StompMessageEncoding(d.Subscription, d.FixedDestination, Session, d.Version);
        var output = new GrowableBufferWriter(0);
        output.Write("\n"u8);
        try
        {
            encoding.Write(output, message, d.Tag, d.WithAck, d.Redelivered);
        }
        catch (ArgumentException)
        {
            Assert.Equal(1, output.WrittenCount);
            return null;
        }

        return output.WrittenSpan[1..].ToArray();
    }

    [Property(MaxTest = 2000)]
    public Property The_fast_encoder_writes_the_general_encoders_bytes_or_refuses_where_it_refuses() =>
        Prop.ForAll(Deliveries().ToArbitrary(), Messages().ToArbitrary(), (delivery, message) =>
        {
            var expected = General(delivery, message);

            Assert.Equal(Show(expected), Show(Fast(delivery, message)));
        });

    [Property(MaxTest = 300)]
    public Property One_message_delivered_to_subscriptions_of_every_version_in_turn_is_encoded_right_for_each() =>
        Prop.ForAll(Gen.ListOf(Deliveries(), 6).ToArbitrary(), Messages().ToArbitrary(), (deliveries, message) =>
        {
            // The per-thread cache of the message's headers serves the second and later ones.
            foreach (var delivery in deliveries)
            {
                Assert.Equal(Show(General(delivery, message)), Show(Fast(delivery, message)));
            }
        });

    [Theory]
    [MemberData(nameof(EveryVersion), MemberType = typeof(Frames.FrameBytes))]
    public void A_MESSAGE_carries_the_headers_in_RabbitMQs_order_with_the_ack_id_in_1_2(StompVersion version)
    {
        var properties = new MessageProperties { ContentType = "text/plain", Headers = new Dictionary<string, object?> { ["x-k"] = "v:1" } };
        var message = new Message("amq.topic", "a.b", properties, "hi"u8.ToArray());
        var encoding = new StompMessageEncoding("s:1", null, Session, version);
        var output = new GrowableBufferWriter(0);

        encoding.Write(output, message, 7, withAck: version == StompVersion.V12, redelivered: false);

        var colon = version == StompVersion.V10 ? ":" : "\\c";
        var id = $"T_s{colon}1@@{Session}@@7";
        var ack = version == StompVersion.V12 ? $"ack:{id}\n" : string.Empty;
        Assert.Equal(
            $"MESSAGE\nsubscription:s{colon}1\ndestination:/topic/a.b\nmessage-id:{id}\n{ack}redelivered:false\ncontent-type:text/plain\nx-k:v{colon}1\ncontent-length:2\n\nhi\0",
            Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void A_subscription_whose_id_1_0_cannot_carry_refuses_every_delivery_and_writes_nothing()
    {
        var encoding = new StompMessageEncoding("a\nb", null, Session, StompVersion.V10);
        var output = new GrowableBufferWriter(0);

        Assert.Throws<ArgumentException>(() => encoding.Write(output, new Message("", "q", new MessageProperties(), "x"u8.ToArray()), 1, false, false));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public void A_routing_key_1_0_cannot_carry_fails_only_subscriptions_that_name_it_as_destination()
    {
        var message = new Message("amq.topic", "line\nfeed", new MessageProperties(), "x"u8.ToArray());
        var derived = new Delivery(StompVersion.V10, "s", null, 1, false, false);
        var fixedOne = derived with { FixedDestination = "/temp-queue/t" };

        Assert.Null(Fast(derived, message));
        Assert.Equal(Show(General(fixedOne, message)), Show(Fast(fixedOne, message)));
        Assert.NotNull(Fast(fixedOne, message));
    }

    private static string Show(byte[]? bytes) => bytes is null ? "(refused)" : Encoding.UTF8.GetString(bytes).Replace("\0", "^@", StringComparison.Ordinal);
}
