namespace Courier.Mqtt.Server;

/// <summary>
/// MQTT topics and filters as routing keys and bindings on <c>amq.topic</c>, as RabbitMQ maps them:
/// the level separator <c>/</c> becomes <c>.</c> and a <c>.</c> inside a level becomes <c>/</c>
/// (so the mapping is reversible), <c>+</c> becomes <c>*</c> and <c>#</c> stays.
/// </summary>
internal static class MqttTopicMapping
{
    /// <summary>The exchange MQTT publishes to and subscribes on.</summary>
    public const string Exchange = "amq.topic";

    /// <summary>An MQTT topic name as a routing key.</summary>
    public static string ToRoutingKey(string topic) => Swap(topic);

    /// <summary>A routing key as an MQTT topic name (an AMQP publish to <c>amq.topic</c> reaching a subscriber).</summary>
    public static string ToTopic(string routingKey) => Swap(routingKey);

    /// <summary>An MQTT topic filter as a binding key on <c>amq.topic</c>.</summary>
    public static string ToBindingKey(string filter) => string.Create(filter.Length, filter, static (span, f) =>
    {
        for (var i = 0; i < f.Length; i++)
        {
            span[i] = f[i] switch
            {
                '/' => '.',
                '.' => '/',
                '+' => '*',
                var c => c,
            };
        }
    });

    /// <summary>
    /// True when <paramref name="filter"/> is a valid topic filter: not empty, <c>#</c> only as the
    /// whole last level, <c>+</c> only as a whole level (MQTT 3.1.1 4.7.1, 5.0 4.7.1).
    /// </summary>
    public static bool IsValidFilter(string filter)
    {
        if (filter.Length == 0)
        {
            return false;
        }

        var rest = filter.AsSpan();
        while (true)
        {
            var end = rest.IndexOf('/');
            var level = end < 0 ? rest : rest[..end];
            if (level.Length > 1 && level.IndexOfAny('+', '#') >= 0)
            {
                return false;
            }

            if (level.SequenceEqual("#") && end >= 0)
            {
                return false;
            }

            if (end < 0)
            {
                return true;
            }

            rest = rest[(end + 1)..];
        }
    }

    /// <summary>
    /// True when <paramref name="topic"/> matches <paramref name="filter"/> by MQTT's rules: <c>+</c>
    /// is one level, a trailing <c>#</c> is any number of levels (none included), and a filter that
    /// starts with a wildcard does not match a topic that starts with <c>$</c>.
    /// </summary>
    public static bool Matches(string filter, string topic)
    {
        if (topic.StartsWith('$') && (filter.StartsWith('+') || filter.StartsWith('#')))
        {
            return false;
        }

        var f = filter.AsSpan();
        var t = topic.AsSpan();
        while (true)
        {
            var fEnd = f.IndexOf('/');
            var fLevel = fEnd < 0 ? f : f[..fEnd];
            if (fLevel.SequenceEqual("#"))
            {
                return true;
            }

            var tEnd = t.IndexOf('/');
            var tLevel = tEnd < 0 ? t : t[..tEnd];
            if (!fLevel.SequenceEqual("+") && !fLevel.SequenceEqual(tLevel))
            {
                return false;
            }

            if (fEnd < 0 || tEnd < 0)
            {
                // "a/#" matches "a" too: the filter's remaining level is a lone '#'.
                return (fEnd < 0 && tEnd < 0) || (tEnd < 0 && f[(fEnd + 1)..].SequenceEqual("#"));
            }

            f = f[(fEnd + 1)..];
            t = t[(tEnd + 1)..];
        }
    }

    private static string Swap(string value)
    {
        if (value.AsSpan().IndexOfAny('/', '.') < 0)
        {
            return value;
        }

        return string.Create(value.Length, value, static (span, v) =>
        {
            for (var i = 0; i < v.Length; i++)
            {
                span[i] = v[i] switch
                {
                    '/' => '.',
                    '.' => '/',
                    var c => c,
                };
            }
        });
    }
}
