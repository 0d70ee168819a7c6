using Courier.Core.Messages;
using FsCheck;
using FsCheck.Fluent;

namespace Courier.Storage.Tests.Support;

/// <summary>
/// Random neutral messages for property tests: any subset of the properties, headers and
/// annotations of every neutral value type nested a few levels deep, text with multi-byte and
/// four-byte characters, and addresses up to a few hundred bytes.
/// </summary>
public static class NeutralMessages
{
    private static readonly Gen<string> Text =
        Gen.Choose(0, 12).SelectMany(n => Gen.Elements("a", "Z", "0", ".", "#", "é", "ø", "€", "中", "😀", "\0").ArrayOf(n)).Select(string.Concat);

    private static readonly Gen<string> Address =
        Gen.Frequency((4, Text), (1, Gen.Choose(256, 700).Select(n => new string('r', n))));

    private static readonly Gen<byte[]> Bytes = Gen.Choose(0, 20).SelectMany(n => Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf(n));

    public static Arbitrary<Message> Messages() => Arb.From(Message());

    public static Gen<Message> Message() =>
        from exchange in Address
        from routingKey in Address
        from properties in Properties()
        from annotations in Annotations()
        from body in Gen.Choose(0, 300).SelectMany(n => Gen.Constant(SampleMessages.Body(n, n)))
        select new Message(exchange, routingKey, properties, body, annotations);

    public static Gen<IReadOnlyDictionary<string, object?>> Table(int depth) =>
        Gen.Choose(0, 4).SelectMany(n => Gen.Zip(Text, Value(depth)).ArrayOf(n)).Select(entries =>
        {
            var table = new Dictionary<string, object?>();
            foreach (var (key, value) in entries)
            {
                table[key] = value;
            }

            return (IReadOnlyDictionary<string, object?>)table;
        });

    public static Gen<object?> Value(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Constant<object?>(null),
            Of<bool>(),
            Of<sbyte>(),
            Of<byte>(),
            Of<short>(),
            Of<ushort>(),
            Of<int>(),
            Of<uint>(),
            Of<long>(),
            Of<ulong>(),
            Of<float>(),
            Of<double>(),
            Of<decimal>(),
            Text.Select(v => (object?)v),
            Bytes.Select(v => (object?)v),
            Bytes.Select(v => (object?)new BinaryValue(v)),
            ArbMap.Default.GeneratorFor<long>().Select(v => (object?)new Timestamp(v)));
        if (depth == 0)
        {
            return scalar;
        }

        var list = Gen.Choose(0, 3).SelectMany(n => Value(depth - 1).ArrayOf(n)).Select(values => (object?)new List<object?>(values));
        return Gen.Frequency((10, scalar), (1, Table(depth - 1).Select(t => (object?)t)), (1, list));
    }

    private static Gen<object?> Of<T>() => ArbMap.Default.GeneratorFor<T>().Select(v => (object?)v);

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : class =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(v => (T?)v)));

    private static Gen<T?> MaybeValue<T>(Gen<T> gen)
        where T : struct =>
        Gen.Frequency((1, Gen.Constant<T?>(null)), (2, gen.Select(v => (T?)v)));

    private static Gen<MessageProperties> Properties() =>
        from contentType in Maybe(Text)
        from contentEncoding in Maybe(Text)
        from headers in Maybe(Table(2))
        from persistence in MaybeValue(ArbMap.Default.GeneratorFor<byte>())
        from priority in MaybeValue(ArbMap.Default.GeneratorFor<byte>())
        from correlationId in Maybe(Bytes)
        from replyTo in Maybe(Text)
        from expiry in MaybeValue(ArbMap.Default.GeneratorFor<long>())
        from messageId in Maybe(Text)
        from timestamp in MaybeValue(ArbMap.Default.GeneratorFor<long>())
        from type in Maybe(Text)
        from userId in Maybe(Text)
        from appId in Maybe(Text)
        select new MessageProperties
        {
            ContentType = contentType,
            ContentEncoding = contentEncoding,
            Headers = headers,
            Persistence = (DeliveryPersistence?)persistence,
            Priority = priority,
            CorrelationId = correlationId,
            ReplyTo = replyTo,
            ExpiryMilliseconds = expiry,
            MessageId = messageId,
            Timestamp = timestamp is { } t ? new Timestamp(t) : null,
            Type = type,
            UserId = userId,
            AppId = appId,
        };

    private static Gen<MessageAnnotations> Annotations() =>
        from protocol in Gen.Elements(PublishingProtocol.None, PublishingProtocol.Amqp091, PublishingProtocol.Mqtt, PublishingProtocol.Stomp)
        from deliveryCount in Gen.Choose(0, int.MaxValue)
        from qos in MaybeValue(Gen.Choose(0, 2).Select(q => (byte)q))
        from retain in ArbMap.Default.GeneratorFor<bool>()
        from more in Maybe(Table(1))
        select new MessageAnnotations { PublishedBy = protocol, DeliveryCount = deliveryCount, Qos = qos, Retain = retain, More = more };
}
