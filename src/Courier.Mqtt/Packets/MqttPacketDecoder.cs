namespace Courier.Mqtt.Packets;

/// <summary>
/// Decodes one packet's body (its fixed header already checked by <see cref="MqttPacketReader"/>).
/// Structural faults (truncation, trailing bytes, reserved bits, bad UTF-8) are malformed packets;
/// data that parses but that the spec forbids (packet identifier 0, no topic filter, a wildcard in
/// a topic name) is a protocol error, following the two definitions in MQTT 5.0 section 1.2.
/// </summary>
internal static class MqttPacketDecoder
{
    public static MqttPacket Decode(byte first, ReadOnlySpan<byte> span, MqttProtocolVersion version)
    {
        var body = new MqttBodyReader(span);
        var v5 = version == MqttProtocolVersion.V500;
        return (MqttPacketType)(first >> 4) switch
        {
            MqttPacketType.Connect => MqttConnectDecoder.Decode(ref body),
            MqttPacketType.ConnAck => DecodeConnAck(ref body, v5),
            MqttPacketType.Publish => DecodePublish(ref body, first, v5),
            MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp
                => DecodePublishResponse(ref body, v5, (MqttPacketType)(first >> 4)),
            MqttPacketType.Subscribe => DecodeSubscribe(ref body, v5),
            MqttPacketType.SubAck => DecodeSubAck(ref body, v5),
            MqttPacketType.Unsubscribe => DecodeUnsubscribe(ref body, v5),
            MqttPacketType.UnsubAck => DecodeUnsubAck(ref body, v5),
            MqttPacketType.PingReq => Empty(ref body, MqttPingReq.Instance),
            MqttPacketType.PingResp => Empty(ref body, MqttPingResp.Instance),
            MqttPacketType.Disconnect => DecodeDisconnect(ref body, v5),
            _ => DecodeAuth(ref body),
        };
    }

    private static MqttPacket Empty(ref MqttBodyReader body, MqttPacket packet)
    {
        body.ExpectEnd(packet.Type);
        return packet;
    }

    private static MqttConnAck DecodeConnAck(ref MqttBodyReader body, bool v5)
    {
        var flags = body.ReadByte();
        if ((flags & 0xFE) != 0)
        {
            ThrowHelper.ThrowMalformed("CONNACK acknowledge flags bits 7-1 are reserved");
        }

        var reason = body.ReadByte();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.ConnAck) : null;
        body.ExpectEnd(MqttPacketType.ConnAck);
        return new MqttConnAck { SessionPresent = flags == 1, ReasonCode = reason, Properties = properties };
    }

    private static MqttPublish DecodePublish(ref MqttBodyReader body, byte first, bool v5)
    {
        var qos = (MqttQos)((first >> 1) & 0b11);
        var topic = body.ReadString();
        if (MqttTopic.HasWildcard(topic))
        {
            ThrowHelper.ThrowProtocolError("PUBLISH topic name contains a wildcard");
        }

        var packetId = qos == MqttQos.AtMostOnce ? (ushort)0 : body.ReadPacketId();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.Publish) : null;
        if (topic.Length == 0 && properties?.TopicAlias is null)
        {
            ThrowHelper.ThrowProtocolError("PUBLISH with an empty topic name and no topic alias");
        }

        var payload = body.ReadRest();
        return new MqttPublish
        {
            Dup = (first & 0b1000) != 0,
            QoS = qos,
            Retain = (first & 1) != 0,
            Topic = topic,
            PacketId = packetId,
            Payload = payload.IsEmpty ? ReadOnlyMemory<byte>.Empty : payload.ToArray(),
            Properties = properties,
        };
    }

    /// <summary>In 5.0 the reason code and properties are each omitted when the body ends before them (3.4.2.1).</summary>
    private static MqttPublishResponse DecodePublishResponse(ref MqttBodyReader body, bool v5, MqttPacketType type)
    {
        var packetId = body.ReadPacketId();
        byte reason = MqttReasonCode.Success;
        MqttProperties? properties = null;
        if (v5 && !body.IsAtEnd)
        {
            reason = body.ReadByte();
            properties = body.IsAtEnd ? null : MqttPropertyCodec.Read(ref body, MqttPropertyScope.PublishResponse);
        }

        body.ExpectEnd(type);
        return type switch
        {
            MqttPacketType.PubAck => new MqttPubAck { PacketId = packetId, ReasonCode = reason, Properties = properties },
            MqttPacketType.PubRec => new MqttPubRec { PacketId = packetId, ReasonCode = reason, Properties = properties },
            MqttPacketType.PubRel => new MqttPubRel { PacketId = packetId, ReasonCode = reason, Properties = properties },
            _ => new MqttPubComp { PacketId = packetId, ReasonCode = reason, Properties = properties },
        };
    }

    private static MqttSubscribe DecodeSubscribe(ref MqttBodyReader body, bool v5)
    {
        var packetId = body.ReadPacketId();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.Subscribe) : null;
        if (properties?.SubscriptionIdentifiers is { Count: > 1 })
        {
            ThrowHelper.ThrowProtocolError("SUBSCRIBE with more than one subscription identifier");
        }

        var subscriptions = new List<MqttSubscription>(1);
        while (!body.IsAtEnd)
        {
            var filter = ReadTopicFilter(ref body);
            subscriptions.Add(ReadSubscriptionOptions(filter, body.ReadByte(), v5));
        }

        if (subscriptions.Count == 0)
        {
            ThrowHelper.ThrowProtocolError("SUBSCRIBE without a topic filter");
        }

        return new MqttSubscribe { PacketId = packetId, Subscriptions = subscriptions, Properties = properties };
    }

    private static MqttSubscription ReadSubscriptionOptions(string filter, byte options, bool v5)
    {
        // 3.1.1 reserves bits 7-2; 5.0 gives bits 2-5 meaning and reserves 7-6. Either way a set reserved bit is malformed.
        if ((options & (v5 ? 0xC0 : 0xFC)) != 0)
        {
            ThrowHelper.ThrowMalformed($"subscription options 0x{options:X2} set reserved bits");
        }

        var qos = options & 0b11;
        if (qos == 3)
        {
            ThrowHelper.ThrowMalformed("subscription with QoS 3");
        }

        var retainHandling = (options >> 4) & 0b11;
        if (retainHandling == 3)
        {
            ThrowHelper.ThrowProtocolError("subscription with retain handling 3");
        }

        var noLocal = (options & 0b100) != 0;
        if (noLocal && filter.StartsWith(MqttTopic.SharedPrefix, StringComparison.Ordinal))
        {
            ThrowHelper.ThrowProtocolError("no local set on a shared subscription");
        }

        return new MqttSubscription(filter, (MqttQos)qos, noLocal, (options & 0b1000) != 0, (MqttRetainHandling)retainHandling);
    }

    private static string ReadTopicFilter(ref MqttBodyReader body)
    {
        var filter = body.ReadString();
        if (filter.Length == 0)
        {
            ThrowHelper.ThrowProtocolError("empty topic filter");
        }

        return filter;
    }

    private static MqttSubAck DecodeSubAck(ref MqttBodyReader body, bool v5)
    {
        var packetId = body.ReadPacketId();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.SubAck) : null;
        return new MqttSubAck { PacketId = packetId, ReasonCodes = ReadReasonCodes(ref body, "SUBACK"), Properties = properties };
    }

    private static MqttUnsubscribe DecodeUnsubscribe(ref MqttBodyReader body, bool v5)
    {
        var packetId = body.ReadPacketId();
        var properties = v5 ? MqttPropertyCodec.Read(ref body, MqttPropertyScope.Unsubscribe) : null;
        var filters = new List<string>(1);
        while (!body.IsAtEnd)
        {
            filters.Add(ReadTopicFilter(ref body));
        }

        if (filters.Count == 0)
        {
            ThrowHelper.ThrowProtocolError("UNSUBSCRIBE without a topic filter");
        }

        return new MqttUnsubscribe { PacketId = packetId, Filters = filters, Properties = properties };
    }

    private static MqttUnsubAck DecodeUnsubAck(ref MqttBodyReader body, bool v5)
    {
        var packetId = body.ReadPacketId();
        if (!v5)
        {
            body.ExpectEnd(MqttPacketType.UnsubAck);
            return new MqttUnsubAck { PacketId = packetId };
        }

        var properties = MqttPropertyCodec.Read(ref body, MqttPropertyScope.UnsubAck);
        return new MqttUnsubAck { PacketId = packetId, ReasonCodes = ReadReasonCodes(ref body, "UNSUBACK"), Properties = properties };
    }

    private static byte[] ReadReasonCodes(ref MqttBodyReader body, string packet)
    {
        if (body.IsAtEnd)
        {
            ThrowHelper.ThrowProtocolError($"{packet} without a reason code");
        }

        return body.ReadRest().ToArray();
    }

    private static MqttDisconnect DecodeDisconnect(ref MqttBodyReader body, bool v5)
    {
        if (!v5 || body.IsAtEnd)
        {
            body.ExpectEnd(MqttPacketType.Disconnect);
            return MqttDisconnect.Normal;
        }

        var (reason, properties) = ReadReasonAndProperties(ref body, MqttPacketType.Disconnect, MqttPropertyScope.Disconnect);
        return new MqttDisconnect { ReasonCode = reason, Properties = properties };
    }

    private static MqttAuth DecodeAuth(ref MqttBodyReader body)
    {
        if (body.IsAtEnd)
        {
            return new MqttAuth();
        }

        var (reason, properties) = ReadReasonAndProperties(ref body, MqttPacketType.Auth, MqttPropertyScope.Auth);
        return new MqttAuth { ReasonCode = reason, Properties = properties };
    }

    /// <summary>DISCONNECT and AUTH: a reason code, then properties unless the body ends first.</summary>
    private static (byte Reason, MqttProperties? Properties) ReadReasonAndProperties(ref MqttBodyReader body, MqttPacketType type, MqttPropertyScope scope)
    {
        var reason = body.ReadByte();
        var properties = body.IsAtEnd ? null : MqttPropertyCodec.Read(ref body, scope);
        body.ExpectEnd(type);
        return (reason, properties);
    }
}
