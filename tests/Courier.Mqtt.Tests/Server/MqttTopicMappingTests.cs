using Courier.Mqtt.Server;
using Xunit;

namespace Courier.Mqtt.Tests.Server;

/// <summary>Topics and filters as routing and binding keys on amq.topic, the way RabbitMQ maps them, and MQTT's own matching.</summary>
public class MqttTopicMappingTests
{
    [Theory]
    [InlineData("sensors/room1/temp", "sensors.room1.temp")]
    [InlineData("v1.2/status", "v1/2.status")]
    [InlineData("/leading", ".leading")]
    [InlineData("plain", "plain")]
    public void Topic_levels_become_words_and_dots_become_slashes_both_ways(string topic, string routingKey)
    {
        Assert.Equal(routingKey, MqttTopicMapping.ToRoutingKey(topic));
        Assert.Equal(topic, MqttTopicMapping.ToTopic(routingKey));
    }

    [Theory]
    [InlineData("home/+/light", "home.*.light")]
    [InlineData("home/#", "home.#")]
    [InlineData("#", "#")]
    [InlineData("a.b/+", "a/b.*")]
    public void Filters_become_binding_keys(string filter, string bindingKey) =>
        Assert.Equal(bindingKey, MqttTopicMapping.ToBindingKey(filter));

    [Theory]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("#", "a/b", true)]
    [InlineData("+/+", "/x", true)]
    [InlineData("#", "$SYS/uptime", false)]
    [InlineData("+/uptime", "$SYS/uptime", false)]
    [InlineData("$SYS/#", "$SYS/uptime", true)]
    [InlineData("a", "a/b", false)]
    public void Filters_match_topics_by_level_and_leading_wildcards_skip_dollar_topics(string filter, string topic, bool matches) =>
        Assert.Equal(matches, MqttTopicMapping.Matches(filter, topic));

    [Theory]
    [InlineData("a/b", true)]
    [InlineData("+", true)]
    [InlineData("#", true)]
    [InlineData("a/+/#", true)]
    [InlineData("/", true)]
    [InlineData("", false)]
    [InlineData("a/#/b", false)]
    [InlineData("a#", false)]
    [InlineData("a/b+", false)]
    public void Filter_syntax_is_checked(string filter, bool valid) =>
        Assert.Equal(valid, MqttTopicMapping.IsValidFilter(filter));
}
