using Courier.Mqtt.Server;
using FsCheck;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Mqtt.Tests.Server;

public sealed class MqttQos2DeliveriesTests
{
    [Property]
    public bool Deliveries_round_trip(ushort[] packetIds, long messageId, bool released, NonNull<string> queue)
    {
        var name = new string([.. queue.Get.Where(c => !char.IsSurrogate(c))]);
        var deliveries = new Dictionary<ushort, MqttQos2Delivery>();
        foreach (var id in packetIds.Distinct().Take(200))
        {
            deliveries[id] = new MqttQos2Delivery("mqtt-subscription-" + name + id, messageId + id, released ^ (id % 2 == 0));
        }

        var decoded = MqttQos2Deliveries.Decode(MqttQos2Deliveries.Encode(deliveries));
        return decoded.Count == deliveries.Count && deliveries.All(d => decoded[d.Key] == d.Value);
    }

    [Fact]
    public void A_record_cut_short_or_of_an_unknown_format_is_refused()
    {
        var encoded = MqttQos2Deliveries.Encode(new Dictionary<ushort, MqttQos2Delivery> { [7] = new("q", 42, false) });
        Assert.Throws<InvalidDataException>(() => MqttQos2Deliveries.Decode(encoded.AsSpan(0, encoded.Length - 1)));
        encoded[0] = 9;
        Assert.Throws<InvalidDataException>(() => MqttQos2Deliveries.Decode(encoded));
    }

    [Fact]
    public void A_count_the_record_cannot_hold_is_refused_before_anything_of_that_size_is_allocated()
    {
        // Found by the keyed-log fuzz target: 31 bytes claiming 32,768 deliveries allocated a
        // dictionary of that capacity (megabytes) before finding the record cut short.
        var value = new byte[31];
        value[0] = 1;
        value[1] = 0x80;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => MqttQos2Deliveries.Decode(value));
        Assert.Contains("32768", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }
}
