using Courier.Mqtt.Packets;
using Courier.Mqtt.Retained;
using Xunit;

namespace Courier.Mqtt.Tests.Retained;

/// <summary>A retained message as stored: QoS, retain time, 5.0 properties and payload come back as they went in.</summary>
public sealed class RetainedRecordTests
{
    [Fact]
    public void A_record_with_properties_decodes_as_encoded()
    {
        var properties = new MqttProperties { ContentType = "text/plain", MessageExpiryInterval = 60, CorrelationData = [1, 2, 3], PayloadFormatIndicator = 1 };
        var record = new RetainedRecord(MqttQos.ExactlyOnce, 1_764_700_000_123, properties, "payload"u8.ToArray());

        var decoded = RetainedRecord.Decode(record.Encode());

        Assert.NotNull(decoded);
        Assert.Equal(MqttQos.ExactlyOnce, decoded.Value.QoS);
        Assert.Equal(1_764_700_000_123, decoded.Value.RetainedAtUnixMs);
        Assert.Equal("text/plain", decoded.Value.Properties!.ContentType);
        Assert.Equal(60u, decoded.Value.Properties.MessageExpiryInterval);
        Assert.Equal([1, 2, 3], decoded.Value.Properties.CorrelationData);
        Assert.Equal((byte)1, decoded.Value.Properties.PayloadFormatIndicator);
        Assert.Equal("payload"u8.ToArray(), decoded.Value.Payload.ToArray());
    }

    [Fact]
    public void A_record_without_properties_decodes_with_none()
    {
        var decoded = RetainedRecord.Decode(new RetainedRecord(MqttQos.AtMostOnce, 0, null, new byte[] { 42 }).Encode());

        Assert.Null(decoded!.Value.Properties);
        Assert.Equal(new byte[] { 42 }, decoded.Value.Payload.ToArray());
    }

    [Fact]
    public void A_record_of_an_unknown_format_is_not_decoded()
    {
        var encoded = new RetainedRecord(MqttQos.AtLeastOnce, 0, null, new byte[] { 1 }).Encode();
        encoded[0] = 99;

        Assert.Null(RetainedRecord.Decode(encoded));
    }
}
