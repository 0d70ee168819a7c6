using System.Globalization;

namespace Courier.PerfTest.Retained;

/// <summary>Settings of the retained-messages scenario (<c>courier-perftest retained ...</c>).</summary>
public sealed record RetainedOptions
{
    public const string Usage = """
        courier-perftest retained [options]   store N retained topics over MQTT, then time subscribes that match them
          --host H              broker address (127.0.0.1)
          --port P              MQTT port (1883)
          --broker-pid PID      the broker's process, whose resident memory is reported (optional)
          --topics N            retained topics t/<i/1000>/<i%1000>, i < N (1000000)
          --body B              payload bytes (100)
          --window W            QoS 1 publishes in flight (1000)
          --store 0|1           store the topics first (1); 0 only subscribes (after a restart)
        """;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 1883;

    public int? BrokerPid { get; init; }

    public int Topics { get; init; } = 1_000_000;

    public int BodySize { get; init; } = 100;

    public int Window { get; init; } = 1000;

    public bool Store { get; init; } = true;

    public static RetainedOptions? Parse(ReadOnlySpan<string> args, out string? error)
    {
        var options = new RetainedOptions();
        error = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return null;
            }

            var value = args[i + 1];
            if (args[i] == "--host")
            {
                options = options with { Host = value };
                continue;
            }

            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"{args[i]} needs a number, not '{value}'";
                return null;
            }

            options = args[i] switch
            {
                "--port" => options with { Port = number },
                "--broker-pid" => options with { BrokerPid = number },
                "--topics" => options with { Topics = number },
                "--body" => options with { BodySize = number },
                "--window" => options with { Window = Math.Clamp(number, 1, 65_535) },
                "--store" => options with { Store = number != 0 },
                _ => null!,
            };
            if (options is null)
            {
                error = $"unknown option {args[i]}";
                return null;
            }
        }

        return options;
    }
}
