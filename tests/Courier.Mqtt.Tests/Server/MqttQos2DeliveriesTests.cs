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
}
