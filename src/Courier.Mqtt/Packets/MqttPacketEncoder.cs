namespace Courier.Mqtt.Packets;

/// <summary>
/// The bodies of every packet: <see cref="Measure"/> sizes one and notes the sizes of its property
/// lists, <see cref="Write"/> writes it into exactly that many bytes. The two are kept side by side
/// per packet type so that a change to one is seen next to the other; <see cref="MqttPacketWriter"/>
/// checks that they agreed.
/// </summary>
internal static class MqttPacketEncoder
{
    /// <summary>The body size and the content sizes of the packet's (up to two) property lists, so they are measured once.</summary>
    internal readonly record struct Layout(int BodySize, int Properties, int WillProperties);

    public static Layout Measure(MqttPacket packet, bool v5) => packet switch
    {
        MqttConnect connect => MeasureConnect(connect),
        MqttConnAck connAck => WithProperties(2, v5, connAck.Properties, MqttPropertyScope.ConnAck),
        MqttPublish publish => MeasurePublish(publish, v5),
        MqttPublishResponse response => MeasureReasonAndProperties(2, v5, response.ReasonCode, response.Properties, MqttPropertyScope.PublishResponse),
        MqttSubscribe subscribe => MeasureSubscribe(subscribe, v5),
        MqttSubAck subAck => WithProperties(2 + NonEmpty(subAck.ReasonCodes, "SUBACK").Count, v5, subAck.Properties, MqttPropertyScope.SubAck),
        MqttUnsubscribe unsubscribe => MeasureUnsubscribe(unsubscribe, v5),
        MqttUnsubAck unsubAck => v5
            ? WithProperties(2 + NonEmpty(unsubAck.ReasonCodes, "UNSUBACK").Count, v5, unsubAck.Properties, MqttPropertyScope.UnsubAck)
            : new Layout(2, 0, 0),
        MqttPingReq or MqttPingResp => new Layout(0, 0, 0),
        MqttDisconnect disconnect => MeasureReasonAndProperties(0, v5, disconnect.ReasonCode, disconnect.Properties, MqttPropertyScope.Disconnect),
        MqttAuth auth => MeasureReasonAndProperties(0, v5, auth.ReasonCode, auth.Properties, MqttPropertyScope.Auth),
        _ => throw new ArgumentException($"unknown packet {packet.GetType().Name}", nameof(packet)),
    };

    public static void Write(ref MqttBodyWriter writer, MqttPacket packet, bool v5, Layout layout)
    {
        switch (packet)
        {
            case MqttConnect connect:
                WriteConnect(ref writer, connect, layout);
                break;
            case MqttConnAck connAck:
                writer.WriteByte(connAck.SessionPresent ? (byte)1 : (byte)0);
                writer.WriteByte(connAck.ReasonCode);
                WritePropertiesIf(ref writer, v5, connAck.Properties, MqttPropertyScope.ConnAck, layout.Properties);
                break;
            case MqttPublish publish:
                writer.WriteString(publish.Topic);
                if (publish.QoS != MqttQos.AtMostOnce)
                {
                    writer.WriteUInt16(publish.PacketId);
                }

                WritePropertiesIf(ref writer, v5, publish.Properties, MqttPropertyScope.Publish, layout.Properties);
                writer.WriteBytes(publish.Payload.Span);
                break;
            case MqttPublishResponse response:
                writer.WriteUInt16(response.PacketId);
                WriteReasonAndProperties(ref writer, 2, response.ReasonCode, response.Properties, MqttPropertyScope.PublishResponse, layout);
                break;
            case MqttSubscribe subscribe:
                writer.WriteUInt16(subscribe.PacketId);
                WritePropertiesIf(ref writer, v5, subscribe.Properties, MqttPropertyScope.Subscribe, layout.Properties);
                foreach (var subscription in subscribe.Subscriptions)
                {
                    writer.WriteString(subscription.Filter);
                    writer.WriteByte(OptionsOf(subscription, v5));
                }

                break;
            case MqttSubAck subAck:
                writer.WriteUInt16(subAck.PacketId);
                WritePropertiesIf(ref writer, v5, subAck.Properties, MqttPropertyScope.SubAck, layout.Properties);
                WriteReasonCodes(ref writer, subAck.ReasonCodes);
                break;
            case MqttUnsubscribe unsubscribe:
                writer.WriteUInt16(unsubscribe.PacketId);
                WritePropertiesIf(ref writer, v5, unsubscribe.Properties, MqttPropertyScope.Unsubscribe, layout.Properties);
                foreach (var filter in unsubscribe.Filters)
                {
                    writer.WriteString(filter);
                }

                break;
            case MqttUnsubAck unsubAck:
                writer.WriteUInt16(unsubAck.PacketId);
                if (v5)
                {
                    MqttPropertyCodec.Write(ref writer, unsubAck.Properties, MqttPropertyScope.UnsubAck, layout.Properties);
                    WriteReasonCodes(ref writer, unsubAck.ReasonCodes);
                }

                break;
            case MqttDisconnect disconnect:
                WriteReasonAndProperties(ref writer, 0, disconnect.ReasonCode, disconnect.Properties, MqttPropertyScope.Disconnect, layout);
                break;
            case MqttAuth auth:
                WriteReasonAndProperties(ref writer, 0, auth.ReasonCode, auth.Properties, MqttPropertyScope.Auth, layout);
                break;
        }
    }

    private static Layout WithProperties(int fixedPart, bool v5, MqttProperties? properties, MqttPropertyScope scope)
    {
        if (!v5)
        {
            return new Layout(fixedPart, 0, 0);
        }

        var content = MqttPropertyCodec.Measure(properties, scope);
        return new Layout(fixedPart + VariableByteInteger.Measure(content) + content, content, 0);
    }

    private static void WritePropertiesIf(ref MqttBodyWriter writer, bool v5, MqttProperties? properties, MqttPropertyScope scope, int content)
    {
        if (v5)
        {
            MqttPropertyCodec.Write(ref writer, properties, scope, content);
        }
    }

    /// <summary>
    /// PUBACK-family, DISCONNECT and AUTH in 5.0: the reason code is left off when it is success and
    /// there are no properties, and the property length when there are none. 3.1.1 has neither.
    /// </summary>
    private static Layout MeasureReasonAndProperties(int fixedPart, bool v5, byte reason, MqttProperties? properties, MqttPropertyScope scope)
    {
        if (!v5)
        {
            return new Layout(fixedPart, 0, 0);
        }

        var content = MqttPropertyCodec.Measure(properties, scope);
        if (content == 0)
        {
            return new Layout(reason == MqttReasonCode.Success ? fixedPart : fixedPart + 1, 0, 0);
        }

        return new Layout(fixedPart + 1 + VariableByteInteger.Measure(content) + content, content, 0);
    }

    private static void WriteReasonAndProperties(
        ref MqttBodyWriter writer, int fixedPart, byte reason, MqttProperties? properties, MqttPropertyScope scope, Layout layout)
    {
        if (layout.BodySize > fixedPart)
        {
            writer.WriteByte(reason);
        }

        if (layout.Properties > 0)
        {
            MqttPropertyCodec.Write(ref writer, properties, scope, layout.Properties);
        }
    }

    private static Layout MeasurePublish(MqttPublish publish, bool v5)
    {
        var fixedPart = MqttBodyWriter.MeasureString(publish.Topic) + (publish.QoS == MqttQos.AtMostOnce ? 0 : 2);
        var layout = WithProperties(fixedPart, v5, publish.Properties, MqttPropertyScope.Publish);
        return layout with { BodySize = layout.BodySize + publish.Payload.Length };
    }

    private static Layout MeasureSubscribe(MqttSubscribe subscribe, bool v5)
    {
        var size = 2;
        foreach (var subscription in NonEmpty(subscribe.Subscriptions, "SUBSCRIBE"))
        {
            size += MqttBodyWriter.MeasureString(subscription.Filter) + 1;
        }

        return WithProperties(size, v5, subscribe.Properties, MqttPropertyScope.Subscribe);
    }

    private static Layout MeasureUnsubscribe(MqttUnsubscribe unsubscribe, bool v5)
    {
        var size = 2;
        foreach (var filter in NonEmpty(unsubscribe.Filters, "UNSUBSCRIBE"))
        {
            size += MqttBodyWriter.MeasureString(filter);
        }

        return WithProperties(size, v5, unsubscribe.Properties, MqttPropertyScope.Unsubscribe);
    }

    private static IReadOnlyList<T> NonEmpty<T>(IReadOnlyList<T> items, string packet)
    {
        if (items.Count == 0)
        {
            ThrowHelper.ThrowCannotEncode($"{packet} needs at least one entry");
        }

        return items;
    }

    private static void WriteReasonCodes(ref MqttBodyWriter writer, IReadOnlyList<byte> codes)
    {
        foreach (var code in codes)
        {
            writer.WriteByte(code);
        }
    }

    private static byte OptionsOf(MqttSubscription subscription, bool v5)
    {
        var options = (int)subscription.MaximumQoS;
        if (v5)
        {
            options |= (subscription.NoLocal ? 0b100 : 0) | (subscription.RetainAsPublished ? 0b1000 : 0) | ((int)subscription.RetainHandling << 4);
        }

        return (byte)options;
    }

    private static Layout MeasureConnect(MqttConnect connect)
    {
        var v5 = connect.ProtocolVersion == MqttProtocolVersion.V500;
        var size = 2 + MqttConnectDecoder.NameOf(connect.ProtocolVersion).Length + 1 + 1 + 2 + MqttBodyWriter.MeasureString(connect.ClientId);
        int properties = 0, willProperties = 0;
        if (v5)
        {
            properties = MqttPropertyCodec.Measure(connect.Properties, MqttPropertyScope.Connect);
            size += VariableByteInteger.Measure(properties) + properties;
        }

        if (connect.Will is { } will)
        {
            if (v5)
            {
                willProperties = MqttPropertyCodec.Measure(will.Properties, MqttPropertyScope.Will);
                size += VariableByteInteger.Measure(willProperties) + willProperties;
            }

            size += MqttBodyWriter.MeasureString(will.Topic) + MqttBodyWriter.MeasureBinary(will.Payload.Span);
        }

        if (connect.UserName is not null)
        {
            size += MqttBodyWriter.MeasureString(connect.UserName);
        }

        if (connect.Password is not null)
        {
            size += MqttBodyWriter.MeasureBinary(connect.Password);
        }

        return new Layout(size, properties, willProperties);
    }

    private static void WriteConnect(ref MqttBodyWriter writer, MqttConnect connect, Layout layout)
    {
        var v5 = connect.ProtocolVersion == MqttProtocolVersion.V500;
        writer.WriteBinary(MqttConnectDecoder.NameOf(connect.ProtocolVersion));
        writer.WriteByte((byte)connect.ProtocolVersion);
        var flags = (connect.CleanStart ? 0x02 : 0) | (connect.UserName is null ? 0 : 0x80) | (connect.Password is null ? 0 : 0x40);
        if (connect.Will is { } will)
        {
            flags |= 0x04 | ((int)will.QoS << 3) | (will.Retain ? 0x20 : 0);
        }

        writer.WriteByte((byte)flags);
        writer.WriteUInt16(connect.KeepAlive);
        WritePropertiesIf(ref writer, v5, connect.Properties, MqttPropertyScope.Connect, layout.Properties);
        writer.WriteString(connect.ClientId);
        if (connect.Will is not null)
        {
            WritePropertiesIf(ref writer, v5, connect.Will.Properties, MqttPropertyScope.Will, layout.WillProperties);
            writer.WriteString(connect.Will.Topic);
            writer.WriteBinary(connect.Will.Payload.Span);
        }

        if (connect.UserName is not null)
        {
            writer.WriteString(connect.UserName);
        }

        if (connect.Password is not null)
        {
            writer.WriteBinary(connect.Password);
        }
    }
}
