using Courier.Mqtt.Packets;
using Xunit;

namespace Courier.Mqtt.Tests.Packets;

/// <summary>
/// A sample of every packet type for each version, in its plain and its fullest forms: in 5.0 every
/// property the packet may carry is present, with repeatable ones repeated.
/// </summary>
internal static class PacketSamples
{
    public static readonly MqttProtocolVersion[] Versions = [MqttProtocolVersion.V310, MqttProtocolVersion.V311, MqttProtocolVersion.V500];

    public static TheoryData<MqttProtocolVersion, string> Cases()
    {
        var data = new TheoryData<MqttProtocolVersion, string>();
        foreach (var version in Versions)
        {
            foreach (var name in For(version).Keys)
            {
                data.Add(version, name);
            }
        }

        return data;
    }

    public static Dictionary<string, MqttPacket> For(MqttProtocolVersion version)
    {
        var v5 = version == MqttProtocolVersion.V500;
        MqttProperties? Every(MqttPropertyScope scope) => v5 ? EveryProperty(scope) : null;
        var samples = new Dictionary<string, MqttPacket>
        {
            ["connect-minimal"] = new MqttConnect { ProtocolVersion = version, CleanStart = true, KeepAlive = 60, ClientId = "c1" },
            ["connect-full"] = new MqttConnect
            {
                ProtocolVersion = version,
                KeepAlive = 65535,
                ClientId = "sensor-ü-42",
                UserName = "vhost:user",
                Password = [0, 1, 2, 255],
                Will = new MqttWill
                {
                    Topic = "devices/42/status",
                    Payload = "offline"u8.ToArray(),
                    QoS = MqttQos.ExactlyOnce,
                    Retain = true,
                    Properties = Every(MqttPropertyScope.Will),
                },
                Properties = Every(MqttPropertyScope.Connect),
            },
            ["connack"] = new MqttConnAck { SessionPresent = true, ReasonCode = 0, Properties = Every(MqttPropertyScope.ConnAck) },
            ["connack-refused"] = new MqttConnAck { ReasonCode = v5 ? (byte)0x86 : (byte)4 },
            ["publish-qos0"] = new MqttPublish { Topic = "a/b", Payload = "hello"u8.ToArray() },
            ["publish-qos1-dup-retain"] = new MqttPublish { Topic = "a/b/c", QoS = MqttQos.AtLeastOnce, Dup = true, Retain = true, PacketId = 1, Payload = new byte[300] },
            ["publish-qos2-empty"] = new MqttPublish { Topic = "$SYS/x", QoS = MqttQos.ExactlyOnce, PacketId = 65535, Properties = Every(MqttPropertyScope.Publish) },
            ["puback"] = new MqttPubAck { PacketId = 7 },
            ["pubrec"] = new MqttPubRec { PacketId = 8, ReasonCode = v5 ? (byte)0x10 : (byte)0 },
            ["pubrel"] = new MqttPubRel { PacketId = 9, ReasonCode = v5 ? (byte)0x92 : (byte)0, Properties = Every(MqttPropertyScope.PublishResponse) },
            ["pubcomp"] = new MqttPubComp { PacketId = 10, Properties = Every(MqttPropertyScope.PublishResponse) },
            ["subscribe"] = new MqttSubscribe
            {
                PacketId = 11,
                Subscriptions =
                [
                    new MqttSubscription("a/+/c", MqttQos.AtLeastOnce),
                    v5 ? new MqttSubscription("#", MqttQos.ExactlyOnce, NoLocal: true, RetainAsPublished: true, MqttRetainHandling.DoNotSend)
                       : new MqttSubscription("#", MqttQos.ExactlyOnce),
                    new MqttSubscription("$share/g/x", MqttQos.AtMostOnce, RetainHandling: v5 ? MqttRetainHandling.SendOnSubscribeIfNew : MqttRetainHandling.SendOnSubscribe),
                ],
                Properties = Every(MqttPropertyScope.Subscribe),
            },
            ["suback"] = new MqttSubAck { PacketId = 11, ReasonCodes = [1, 2, 0, 0x80], Properties = Every(MqttPropertyScope.SubAck) },
            ["unsubscribe"] = new MqttUnsubscribe { PacketId = 12, Filters = ["a/+/c", "#"], Properties = Every(MqttPropertyScope.Unsubscribe) },
            ["unsuback"] = v5
                ? new MqttUnsubAck { PacketId = 12, ReasonCodes = [0, 0x11], Properties = Every(MqttPropertyScope.UnsubAck) }
                : new MqttUnsubAck { PacketId = 12 },
            ["pingreq"] = MqttPingReq.Instance,
            ["pingresp"] = MqttPingResp.Instance,
            ["disconnect"] = MqttDisconnect.Normal,
        };

        if (v5)
        {
            samples["connect-password-only"] = new MqttConnect { ProtocolVersion = version, ClientId = string.Empty, Password = [42] };
            samples["publish-topic-alias"] = new MqttPublish { Topic = string.Empty, Payload = "x"u8.ToArray(), Properties = new MqttProperties { TopicAlias = 5 } };
            samples["puback-reason"] = new MqttPubAck { PacketId = 13, ReasonCode = 0x87 };
            samples["disconnect-reason"] = new MqttDisconnect { ReasonCode = 0x04 };
            samples["disconnect-full"] = new MqttDisconnect { ReasonCode = 0x8E, Properties = EveryProperty(MqttPropertyScope.Disconnect) };
            samples["auth"] = new MqttAuth();
            samples["auth-full"] = new MqttAuth { ReasonCode = 0x18, Properties = EveryProperty(MqttPropertyScope.Auth) };
        }

        return samples;
    }

    /// <summary>Every property MQTT 5.0 allows in <paramref name="scope"/>, per the spec's table 2-4, each with a telling value.</summary>
    public static MqttProperties EveryProperty(MqttPropertyScope scope)
    {
        bool In(MqttPropertyScope allowed) => (allowed & scope) != 0;
        const MqttPropertyScope Message = MqttPropertyScope.Publish | MqttPropertyScope.Will;
        var p = new MqttProperties
        {
            UserProperties = [new("region", "eu"), new("region", "us"), new("ключ", "значение")],
        };

        if (In(Message))
        {
            p.PayloadFormatIndicator = 1;
            p.MessageExpiryInterval = 3600;
            p.ContentType = "application/json; charset=utf-8";
            p.ResponseTopic = "replies/42";
            p.CorrelationData = [0xDE, 0xAD, 0xBE, 0xEF];
        }

        if (In(MqttPropertyScope.Publish))
        {
            p.SubscriptionIdentifiers = [1, 268_435_455, 1];
            p.TopicAlias = 65535;
        }

        if (In(MqttPropertyScope.Subscribe))
        {
            p.SubscriptionIdentifiers = [16_384];
        }

        if (In(MqttPropertyScope.Connect | MqttPropertyScope.ConnAck | MqttPropertyScope.Disconnect))
        {
            p.SessionExpiryInterval = uint.MaxValue;
        }

        if (In(MqttPropertyScope.Connect | MqttPropertyScope.ConnAck | MqttPropertyScope.Auth))
        {
            p.AuthenticationMethod = "SCRAM-SHA-256";
            p.AuthenticationData = [1, 2, 3];
        }

        if (In(MqttPropertyScope.Connect | MqttPropertyScope.ConnAck))
        {
            p.ReceiveMaximum = 100;
            p.TopicAliasMaximum = 10;
            p.MaximumPacketSize = 1_048_576;
        }

        if (In(MqttPropertyScope.Connect))
        {
            p.RequestProblemInformation = false;
            p.RequestResponseInformation = true;
        }

        if (In(MqttPropertyScope.Will))
        {
            p.WillDelayInterval = 30;
        }

        if (In(MqttPropertyScope.ConnAck))
        {
            p.AssignedClientIdentifier = "auto-7f3a";
            p.ServerKeepAlive = 120;
            p.ResponseInformation = "responses/";
            p.MaximumQoS = MqttQos.AtLeastOnce;
            p.RetainAvailable = false;
            p.WildcardSubscriptionAvailable = true;
            p.SubscriptionIdentifiersAvailable = false;
            p.SharedSubscriptionAvailable = true;
        }

        if (In(MqttPropertyScope.ConnAck | MqttPropertyScope.Disconnect))
        {
            p.ServerReference = "courier-2:1883";
        }

        if (!In(MqttPropertyScope.Connect | MqttPropertyScope.Will | MqttPropertyScope.Publish | MqttPropertyScope.Subscribe | MqttPropertyScope.Unsubscribe))
        {
            p.ReasonString = "a reason, in words";
        }

        return p;
    }
}
