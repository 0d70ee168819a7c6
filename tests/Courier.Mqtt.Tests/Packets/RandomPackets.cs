using Courier.Mqtt.Packets;
using FsCheck;
using FsCheck.Fluent;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// Random valid packets of every type and version, each built from a seed so a failure names the
/// seed that reproduces it. Strings mix ASCII, accented letters, Cyrillic and characters outside
/// the BMP; v5 packets carry a random subset of the properties their packet allows.
/// </summary>
internal static class RandomPackets
{
    private static readonly string[] Pieces = ["a", "b/", "/", "ü", "ключ", "😀", "x y", "$", "0"];

    public static Gen<(MqttProtocolVersion Version, int Seed, MqttPacket Packet)> Any() =>
        from version in Gen.Elements(PacketSamples.Versions)
        from seed in Gen.Choose(0, int.MaxValue)
        select (version, seed, Build(new Random(seed), version));

    public static MqttPacket Build(Random r, MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        var types = Enum.GetValues<MqttPacketType>().Where(t => v5 || t != MqttPacketType.Auth).ToArray();
        ushort Id() => (ushort)r.Next(1, 65536);
        byte Code() => (byte)r.Next(0, 256);
        MqttProperties? Props(MqttPropertyScope scope) => v5 && r.Next(3) > 0 ? Properties(r, scope) : null;
        return types[r.Next(types.Length)] switch
        {
            MqttPacketType.Connect => new MqttConnect
            {
                ProtocolVersion = version,
                CleanStart = r.Next(2) == 0,
                KeepAlive = (ushort)r.Next(0, 65536),
                ClientId = Text(r, 0),
                Will = r.Next(2) == 0 ? null : new MqttWill
                {
                    Topic = Text(r, 1),
                    Payload = Bytes(r, 50),
                    QoS = (MqttQos)r.Next(3),
                    Retain = r.Next(2) == 0,
                    Properties = Props(MqttPropertyScope.Will),
                },
                UserName = r.Next(2) == 0 ? Text(r, 0) : null,
                Password = r.Next(2) == 0 ? Bytes(r, 20) : null,
                Properties = Props(MqttPropertyScope.Connect),
            } is var connect && connect.Password is not null && connect.UserName is null && !v5 ? connect with { UserName = "u" } : connect,
            MqttPacketType.ConnAck => new MqttConnAck { SessionPresent = r.Next(2) == 0, ReasonCode = Code(), Properties = Props(MqttPropertyScope.ConnAck) },
            MqttPacketType.Publish => RandomPublish(r, Props(MqttPropertyScope.Publish)),
            MqttPacketType.PubAck => new MqttPubAck { PacketId = Id(), ReasonCode = v5 ? Code() : (byte)0, Properties = Props(MqttPropertyScope.PublishResponse) },
            MqttPacketType.PubRec => new MqttPubRec { PacketId = Id(), ReasonCode = v5 ? Code() : (byte)0, Properties = Props(MqttPropertyScope.PublishResponse) },
            MqttPacketType.PubRel => new MqttPubRel { PacketId = Id(), ReasonCode = v5 ? Code() : (byte)0, Properties = Props(MqttPropertyScope.PublishResponse) },
            MqttPacketType.PubComp => new MqttPubComp { PacketId = Id(), ReasonCode = v5 ? Code() : (byte)0, Properties = Props(MqttPropertyScope.PublishResponse) },
            MqttPacketType.Subscribe => new MqttSubscribe
            {
                PacketId = Id(),
                Subscriptions = [.. Enumerable.Range(0, r.Next(1, 5)).Select(_ => Subscription(r, v5))],
                Properties = v5 && r.Next(2) == 0 ? OneSubscriptionIdentifier(Properties(r, MqttPropertyScope.Subscribe)) : null,
            },
            MqttPacketType.SubAck => new MqttSubAck { PacketId = Id(), ReasonCodes = Bytes(r, 5, minimum: 1), Properties = Props(MqttPropertyScope.SubAck) },
            MqttPacketType.Unsubscribe => new MqttUnsubscribe
            {
                PacketId = Id(),
                Filters = [.. Enumerable.Range(0, r.Next(1, 5)).Select(_ => Filter(r))],
                Properties = Props(MqttPropertyScope.Unsubscribe),
            },
            MqttPacketType.UnsubAck => v5
                ? new MqttUnsubAck { PacketId = Id(), ReasonCodes = Bytes(r, 5, minimum: 1), Properties = Props(MqttPropertyScope.UnsubAck) }
                : new MqttUnsubAck { PacketId = Id() },
            MqttPacketType.PingReq => MqttPingReq.Instance,
            MqttPacketType.PingResp => MqttPingResp.Instance,
            MqttPacketType.Disconnect => v5 ? new MqttDisconnect { ReasonCode = Code(), Properties = Props(MqttPropertyScope.Disconnect) } : MqttDisconnect.Normal,
            _ => new MqttAuth { ReasonCode = Code(), Properties = Props(MqttPropertyScope.Auth) },
        };
    }

    private static MqttSubscription Subscription(Random r, bool v5)
    {
        var filter = Filter(r);
        if (!v5)
        {
            return new MqttSubscription(filter, (MqttQos)r.Next(3));
        }

        // No Local is a protocol error on a shared subscription.
        var noLocal = r.Next(2) == 0 && !filter.StartsWith(MqttTopic.SharedPrefix, StringComparison.Ordinal);
        return new MqttSubscription(filter, (MqttQos)r.Next(3), noLocal, r.Next(2) == 0, (MqttRetainHandling)r.Next(3));
    }

    private static MqttPublish RandomPublish(Random r, MqttProperties? properties)
    {
        var qos = (MqttQos)r.Next(3);
        return new MqttPublish
        {
            QoS = qos,
            Dup = qos != MqttQos.AtMostOnce && r.Next(2) == 0,
            Retain = r.Next(2) == 0,
            PacketId = qos == MqttQos.AtMostOnce ? (ushort)0 : (ushort)r.Next(1, 65536),
            Topic = properties?.TopicAlias is not null && r.Next(2) == 0 ? string.Empty : Text(r, 1),
            Payload = Bytes(r, 300),
            Properties = properties,
        };
    }

    private static MqttProperties? OneSubscriptionIdentifier(MqttProperties? properties)
    {
        if (properties?.SubscriptionIdentifiers is { Count: > 1 } ids)
        {
            ids.RemoveRange(1, ids.Count - 1);
        }

        return properties;
    }

    /// <summary>A random subset of <see cref="PacketSamples.EveryProperty"/> for the scope, with random values where the type allows.</summary>
    private static MqttProperties? Properties(Random r, MqttPropertyScope scope)
    {
        var all = PacketSamples.EveryProperty(scope);
        var chosen = new MqttProperties();
        var any = false;
        foreach (var property in typeof(MqttProperties).GetProperties())
        {
            if (property.GetValue(all) is { } value && r.Next(2) == 0)
            {
                any = true;
                property.SetValue(chosen, value switch
                {
                    string => Text(r, 0),
                    uint => (uint)r.NextInt64(0, uint.MaxValue + 1L),
                    byte[] => Bytes(r, 10),
                    List<MqttUserProperty> => Enumerable.Range(0, r.Next(1, 4)).Select(_ => new MqttUserProperty(Text(r, 0), Text(r, 0))).ToList(),
                    List<uint> => Enumerable.Range(0, r.Next(1, 4)).Select(_ => (uint)r.Next(1, VariableByteInteger.MaxValue + 1)).ToList(),
                    _ => value,
                });
            }
        }

        // Authentication data without its method is a protocol error.
        if (chosen.AuthenticationData is not null)
        {
            chosen.AuthenticationMethod ??= "PLAIN";
        }

        // An empty list reads back as no list at all. (A response topic may not hold wildcards; Text never produces them.)
        return any ? chosen : null;
    }

    private static string Text(Random r, int minimumPieces) =>
        string.Concat(Enumerable.Range(0, r.Next(minimumPieces, 6)).Select(_ => Pieces[r.Next(Pieces.Length)]));

    private static string Filter(Random r) => r.Next(4) switch
    {
        0 => Text(r, 1) + "/#",
        1 => "+/" + Text(r, 1),
        2 => MqttTopic.SharedPrefix + "g/" + Text(r, 1),
        _ => Text(r, 1),
    };

    private static byte[] Bytes(Random r, int maximum, int minimum = 0)
    {
        var bytes = new byte[r.Next(minimum, maximum + 1)];
        r.NextBytes(bytes);
        return bytes;
    }
}
