using Courier.PerfTest.Options;

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
        var options = HostAndNumberOptions.Parse(args, new RetainedOptions(), static (o, host) => o with { Host = host }, static (o, flag, number) => flag switch
        {
            "--port" => o with { Port = number },
            "--broker-pid" => o with { BrokerPid = number },
            "--topics" => o with { Topics = number },
            "--body" => o with { BodySize = number },
            "--window" => o with { Window = Math.Clamp(number, 1, 65_535) },
            "--store" => o with { Store = number != 0 },
            _ => null,
        }, out error);
        return options;
    }
}
