using System.Globalization;

namespace Courier.PerfTest.Options;

/// <summary>
/// The <c>--queue-args</c> list, <c>key=value,key=value</c>, typed the way a broker validates
/// queue arguments: an integer is sent as an AMQP integer (a broker refuses <c>x-message-ttl</c>
/// as a string), <c>true</c>/<c>false</c> as a boolean, anything else as a string; an empty
/// value is the empty string (<c>x-dead-letter-exchange=</c> names the default exchange).
/// </summary>
public static class QueueArguments
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> with the reason when it is wrong.</summary>
    public static IReadOnlyDictionary<string, object> Parse(string text)
    {
        var arguments = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (string pair in text.Split(','))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"--queue-args wants key=value pairs separated by commas, not '{pair}'");
            }

            string key = pair[..equals];
            if (!arguments.TryAdd(key, Typed(pair[(equals + 1)..])))
            {
                throw new FormatException($"--queue-args names {key} twice");
            }
        }

        return arguments;
    }

    private static object Typed(string value)
    {
        if (int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int small))
        {
            return small;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long large))
        {
            return large;
        }

        return value switch
        {
            "true" => true,
            "false" => false,
            _ => value,
        };
    }
}
