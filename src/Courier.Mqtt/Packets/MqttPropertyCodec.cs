using System.Buffers.Binary;
using System.Text;

namespace Courier.Mqtt.Packets;

/// <summary>
/// Reads and writes MQTT 5.0 property lists (a variable byte integer length, then identifier/value
/// pairs). On reading, an unknown identifier or one not allowed in the packet is a malformed packet
/// (spec 2.2.2.2); a non-repeatable property given twice, or a value the spec forbids (a receive
/// maximum of 0, a boolean other than 0 or 1, ...), is a protocol error. On writing, a property the
/// packet may not carry is refused with an <see cref="ArgumentException"/>: a bug of ours, not input.
/// </summary>
internal static class MqttPropertyCodec
{
    /// <summary>Reads a property list; null when it is empty, so a packet without properties allocates nothing for them.</summary>
    public static MqttProperties? Read(ref MqttBodyReader body, MqttPropertyScope scope)
    {
        var length = body.ReadVariableByteInteger();
        if (length == 0)
        {
            return null;
        }

        var reader = new MqttBodyReader(body.ReadSpan(length));
        var properties = new MqttProperties();
        while (!reader.IsAtEnd)
        {
            var id = reader.ReadVariableByteInteger();
            if ((MqttPropertyId.AllowedIn(id) & scope) == 0)
            {
                ThrowHelper.ThrowMalformed($"property 0x{id:X2} is not allowed in {scope}");
            }

            ReadValue(ref reader, properties, id);
        }

        if (properties.AuthenticationData is not null && properties.AuthenticationMethod is null)
        {
            ThrowHelper.ThrowProtocolError("authentication data without an authentication method");
        }

        return properties;
    }

    private static void ReadValue(ref MqttBodyReader reader, MqttProperties p, int id)
    {
        switch (id)
        {
            case MqttPropertyId.PayloadFormatIndicator:
                p.PayloadFormatIndicator = Once(p.PayloadFormatIndicator, id) ?? (ReadBoolean(ref reader, id) ? (byte)1 : (byte)0);
                break;
            case MqttPropertyId.MessageExpiryInterval:
                p.MessageExpiryInterval = Once(p.MessageExpiryInterval, id) ?? reader.ReadUInt32();
                break;
            case MqttPropertyId.ContentType:
                p.ContentType = Once(p.ContentType, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.ResponseTopic:
                p.ResponseTopic = Once(p.ResponseTopic, id) ?? reader.ReadString();
                if (MqttTopic.HasWildcard(p.ResponseTopic))
                {
                    ThrowHelper.ThrowProtocolError("response topic contains a wildcard");
                }

                break;
            case MqttPropertyId.CorrelationData:
                p.CorrelationData = Once(p.CorrelationData, id) ?? reader.ReadBinary();
                break;
            case MqttPropertyId.SubscriptionIdentifier:
                var subscriptionId = reader.ReadVariableByteInteger();
                if (subscriptionId == 0)
                {
                    ThrowHelper.ThrowProtocolError("subscription identifier 0");
                }

                (p.SubscriptionIdentifiers ??= []).Add((uint)subscriptionId);
                break;
            case MqttPropertyId.SessionExpiryInterval:
                p.SessionExpiryInterval = Once(p.SessionExpiryInterval, id) ?? reader.ReadUInt32();
                break;
            case MqttPropertyId.AssignedClientIdentifier:
                p.AssignedClientIdentifier = Once(p.AssignedClientIdentifier, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.ServerKeepAlive:
                p.ServerKeepAlive = Once(p.ServerKeepAlive, id) ?? reader.ReadUInt16();
                break;
            case MqttPropertyId.AuthenticationMethod:
                p.AuthenticationMethod = Once(p.AuthenticationMethod, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.AuthenticationData:
                p.AuthenticationData = Once(p.AuthenticationData, id) ?? reader.ReadBinary();
                break;
            case MqttPropertyId.RequestProblemInformation:
                p.RequestProblemInformation = Once(p.RequestProblemInformation, id) ?? ReadBoolean(ref reader, id);
                break;
            case MqttPropertyId.WillDelayInterval:
                p.WillDelayInterval = Once(p.WillDelayInterval, id) ?? reader.ReadUInt32();
                break;
            case MqttPropertyId.RequestResponseInformation:
                p.RequestResponseInformation = Once(p.RequestResponseInformation, id) ?? ReadBoolean(ref reader, id);
                break;
            case MqttPropertyId.ResponseInformation:
                p.ResponseInformation = Once(p.ResponseInformation, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.ServerReference:
                p.ServerReference = Once(p.ServerReference, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.ReasonString:
                p.ReasonString = Once(p.ReasonString, id) ?? reader.ReadString();
                break;
            case MqttPropertyId.ReceiveMaximum:
                p.ReceiveMaximum = Once(p.ReceiveMaximum, id) ?? ReadNonZeroUInt16(ref reader, id);
                break;
            case MqttPropertyId.TopicAliasMaximum:
                p.TopicAliasMaximum = Once(p.TopicAliasMaximum, id) ?? reader.ReadUInt16();
                break;
            case MqttPropertyId.TopicAlias:
                p.TopicAlias = Once(p.TopicAlias, id) ?? ReadTopicAlias(ref reader);
                break;
            case MqttPropertyId.MaximumQoS:
                p.MaximumQoS = Once(p.MaximumQoS, id) ?? (ReadBoolean(ref reader, id) ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce);
                break;
            case MqttPropertyId.RetainAvailable:
                p.RetainAvailable = Once(p.RetainAvailable, id) ?? ReadBoolean(ref reader, id);
                break;
            case MqttPropertyId.UserProperty:
                var name = reader.ReadString();
                (p.UserProperties ??= []).Add(new MqttUserProperty(name, reader.ReadString()));
                break;
            case MqttPropertyId.MaximumPacketSize:
                p.MaximumPacketSize = Once(p.MaximumPacketSize, id) ?? ReadMaximumPacketSize(ref reader);
                break;
            case MqttPropertyId.WildcardSubscriptionAvailable:
                p.WildcardSubscriptionAvailable = Once(p.WildcardSubscriptionAvailable, id) ?? ReadBoolean(ref reader, id);
                break;
            case MqttPropertyId.SubscriptionIdentifierAvailable:
                p.SubscriptionIdentifiersAvailable = Once(p.SubscriptionIdentifiersAvailable, id) ?? ReadBoolean(ref reader, id);
                break;
            default:
                p.SharedSubscriptionAvailable = Once(p.SharedSubscriptionAvailable, id) ?? ReadBoolean(ref reader, id);
                break;
        }
    }

    /// <summary>Returns null so the caller reads the value; throws if the property is already set.</summary>
    private static T? Once<T>(T? current, int id)
        where T : class
    {
        if (current is not null)
        {
            ThrowDuplicate(id);
        }

        return null;
    }

    private static T? Once<T>(T? current, int id)
        where T : struct
    {
        if (current is not null)
        {
            ThrowDuplicate(id);
        }

        return null;
    }

    private static void ThrowDuplicate(int id) => ThrowHelper.ThrowProtocolError($"property 0x{id:X2} appears more than once");

    private static bool ReadBoolean(ref MqttBodyReader reader, int id)
    {
        var value = reader.ReadByte();
        if (value > 1)
        {
            ThrowHelper.ThrowProtocolError($"property 0x{id:X2} has value {value}, not 0 or 1");
        }

        return value == 1;
    }

    private static ushort ReadNonZeroUInt16(ref MqttBodyReader reader, int id)
    {
        var value = reader.ReadUInt16();
        if (value == 0)
        {
            ThrowHelper.ThrowProtocolError($"property 0x{id:X2} is 0");
        }

        return value;
    }

    private static ushort ReadTopicAlias(ref MqttBodyReader reader)
    {
        var value = reader.ReadUInt16();
        if (value == 0)
        {
            // Topic Alias invalid rather than a plain protocol error, as the receiver of a bad alias answers (Mosquitto does the same).
            throw new MqttProtocolException(MqttReasonCode.TopicAliasInvalid, "topic alias 0");
        }

        return value;
    }

    private static uint ReadMaximumPacketSize(ref MqttBodyReader reader)
    {
        var value = reader.ReadUInt32();
        if (value == 0)
        {
            ThrowHelper.ThrowProtocolError("maximum packet size 0");
        }

        return value;
    }

    /// <summary>The bytes of the property list's content, without its length prefix; throws for a property the scope may not carry.</summary>
    public static int Measure(MqttProperties? properties, MqttPropertyScope scope)
    {
        var sink = new Sink(scope, Span<byte>.Empty, writing: false);
        Emit(properties, ref sink);
        return sink.Length;
    }

    /// <summary>Writes the length prefix and the properties; <paramref name="contentLength"/> comes from <see cref="Measure"/>.</summary>
    public static void Write(ref MqttBodyWriter writer, MqttProperties? properties, MqttPropertyScope scope, int contentLength)
    {
        writer.WriteVariableByteInteger(contentLength);
        var sink = new Sink(scope, writer.Reserve(contentLength), writing: true);
        Emit(properties, ref sink);
    }

    /// <summary>Visits every property present, in identifier order, user properties and subscription identifiers in list order.</summary>
    private static void Emit(MqttProperties? p, ref Sink sink)
    {
        if (p is null)
        {
            return;
        }

        sink.Byte(MqttPropertyId.PayloadFormatIndicator, p.PayloadFormatIndicator);
        sink.UInt32(MqttPropertyId.MessageExpiryInterval, p.MessageExpiryInterval);
        sink.String(MqttPropertyId.ContentType, p.ContentType);
        sink.String(MqttPropertyId.ResponseTopic, p.ResponseTopic);
        sink.Binary(MqttPropertyId.CorrelationData, p.CorrelationData);
        if (p.SubscriptionIdentifiers is { } subscriptionIds)
        {
            foreach (var subscriptionId in subscriptionIds)
            {
                sink.VariableByteInteger(MqttPropertyId.SubscriptionIdentifier, subscriptionId);
            }
        }

        sink.UInt32(MqttPropertyId.SessionExpiryInterval, p.SessionExpiryInterval);
        sink.String(MqttPropertyId.AssignedClientIdentifier, p.AssignedClientIdentifier);
        sink.UInt16(MqttPropertyId.ServerKeepAlive, p.ServerKeepAlive);
        sink.String(MqttPropertyId.AuthenticationMethod, p.AuthenticationMethod);
        sink.Binary(MqttPropertyId.AuthenticationData, p.AuthenticationData);
        sink.Boolean(MqttPropertyId.RequestProblemInformation, p.RequestProblemInformation);
        sink.UInt32(MqttPropertyId.WillDelayInterval, p.WillDelayInterval);
        sink.Boolean(MqttPropertyId.RequestResponseInformation, p.RequestResponseInformation);
        sink.String(MqttPropertyId.ResponseInformation, p.ResponseInformation);
        sink.String(MqttPropertyId.ServerReference, p.ServerReference);
        sink.String(MqttPropertyId.ReasonString, p.ReasonString);
        sink.UInt16(MqttPropertyId.ReceiveMaximum, p.ReceiveMaximum);
        sink.UInt16(MqttPropertyId.TopicAliasMaximum, p.TopicAliasMaximum);
        sink.UInt16(MqttPropertyId.TopicAlias, p.TopicAlias);
        sink.Byte(MqttPropertyId.MaximumQoS, (byte?)p.MaximumQoS);
        sink.Boolean(MqttPropertyId.RetainAvailable, p.RetainAvailable);
        if (p.UserProperties is { } userProperties)
        {
            foreach (var property in userProperties)
            {
                sink.StringPair(property);
            }
        }

        sink.UInt32(MqttPropertyId.MaximumPacketSize, p.MaximumPacketSize);
        sink.Boolean(MqttPropertyId.WildcardSubscriptionAvailable, p.WildcardSubscriptionAvailable);
        sink.Boolean(MqttPropertyId.SubscriptionIdentifierAvailable, p.SubscriptionIdentifiersAvailable);
        sink.Boolean(MqttPropertyId.SharedSubscriptionAvailable, p.SharedSubscriptionAvailable);
    }

    /// <summary>
    /// One walk over the properties serves both measuring and writing, so the two can never disagree
    /// on which properties are written or how long they are.
    /// </summary>
    private ref struct Sink
    {
        private readonly MqttPropertyScope _scope;
        private readonly Span<byte> _buffer;
        private readonly bool _writing;

        public Sink(MqttPropertyScope scope, Span<byte> buffer, bool writing)
        {
            _scope = scope;
            _buffer = buffer;
            _writing = writing;
            Length = 0;
        }

        public int Length { get; private set; }

        public void Byte(byte id, byte? value)
        {
            if (value is { } v && Begin(id, 1))
            {
                _buffer[Length - 1] = v;
            }
        }

        public void Boolean(byte id, bool? value) => Byte(id, value is null ? null : value.Value ? (byte)1 : (byte)0);

        public void UInt16(byte id, ushort? value)
        {
            if (value is { } v && Begin(id, 2))
            {
                BinaryPrimitives.WriteUInt16BigEndian(_buffer[(Length - 2)..], v);
            }
        }

        public void UInt32(byte id, uint? value)
        {
            if (value is { } v && Begin(id, 4))
            {
                BinaryPrimitives.WriteUInt32BigEndian(_buffer[(Length - 4)..], v);
            }
        }

        public void VariableByteInteger(byte id, uint value)
        {
            if (value is 0 or > Packets.VariableByteInteger.MaxValue)
            {
                ThrowHelper.ThrowCannotEncode($"subscription identifier {value} is outside 1 to 268,435,455");
            }

            var size = Packets.VariableByteInteger.Measure((int)value);
            if (Begin(id, size))
            {
                Packets.VariableByteInteger.Write(_buffer[(Length - size)..], (int)value);
            }
        }

        public void String(byte id, string? value)
        {
            if (value is not null && Begin(id, MqttBodyWriter.MeasureString(value)))
            {
                PutStringEndingAt(value, Length);
            }
        }

        public void Binary(byte id, byte[]? value)
        {
            if (value is not null && Begin(id, MqttBodyWriter.MeasureBinary(value)))
            {
                BinaryPrimitives.WriteUInt16BigEndian(_buffer[(Length - 2 - value.Length)..], (ushort)value.Length);
                value.CopyTo(_buffer[(Length - value.Length)..]);
            }
        }

        public void StringPair(MqttUserProperty property)
        {
            var valueSize = MqttBodyWriter.MeasureString(property.Value);
            if (Begin(MqttPropertyId.UserProperty, MqttBodyWriter.MeasureString(property.Name) + valueSize))
            {
                PutStringEndingAt(property.Name, Length - valueSize);
                PutStringEndingAt(property.Value, Length);
            }
        }

        /// <summary>Counts the identifier and value; true when the value should now be written, ending at <see cref="Length"/>.</summary>
        private bool Begin(byte id, int valueSize)
        {
            if ((MqttPropertyId.AllowedIn(id) & _scope) == 0)
            {
                ThrowHelper.ThrowCannotEncode($"property 0x{id:X2} is not allowed in {_scope}");
            }

            if (_writing)
            {
                _buffer[Length] = id;
            }

            Length += 1 + valueSize;
            return _writing;
        }

        private readonly void PutStringEndingAt(string value, int end)
        {
            var size = Encoding.UTF8.GetByteCount(value);
            BinaryPrimitives.WriteUInt16BigEndian(_buffer[(end - size - 2)..], (ushort)size);
            Encoding.UTF8.GetBytes(value, _buffer[(end - size)..]);
        }
    }
}
