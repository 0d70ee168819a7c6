using Courier.PerfTest.Options;

namespace Courier.PerfTest.Management;

/// <summary>Settings of the management-at-scale scenario (<c>courier-perftest mgmt-scale ...</c>).</summary>
public sealed record ManagementScaleOptions
{
    public const string Usage = """
        courier-perftest mgmt-scale [options]   declare N queues and hold C connections over AMQP, then time the management API
          --host H              broker address (127.0.0.1)
          --port P              AMQP port (5672)
          --http-port P         management API port (15672)
          --queues N            queues mgmt-<i> to declare (100000)
          --connections C       idle AMQP connections held open while timing (1000)
          --channels K          channels the declares are pipelined over (4)
          --loaded N            queues given 1..10 messages, so sorting by messages means something (1000)
          --calls N             timed calls per API request (50)
          --broker-pid PID      the broker's process: its CPU time per call is reported too (Linux /proc)
          --budget S            seconds per request after which calls stop early, once 5 are done (60)
          --predeclared 1       the queues exist already (imported from a definitions file): check the last one, declare none
        """;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 5672;

    public int HttpPort { get; init; } = 15672;

    public int Queues { get; init; } = 100_000;

    public int Connections { get; init; } = 1000;

    public int Channels { get; init; } = 4;

    public int Loaded { get; init; } = 1000;

    public int Calls { get; init; } = 50;

    public int BudgetSeconds { get; init; } = 60;

    public int? BrokerPid { get; init; }

    /// <summary>The queues were imported before the run (RabbitMQ declares them far too slowly over AMQP).</summary>
    public bool Predeclared { get; init; }

    public static ManagementScaleOptions? Parse(ReadOnlySpan<string> args, out string? error)
    {
        var options = HostAndNumberOptions.Parse(args, new ManagementScaleOptions(), static (o, host) => o with { Host = host }, static (o, flag, number) => flag switch
        {
            "--port" => o with { Port = number },
            "--http-port" => o with { HttpPort = number },
            "--queues" => o with { Queues = Math.Max(1, number) },
            "--connections" => o with { Connections = number },
            "--channels" => o with { Channels = Math.Clamp(number, 1, 64) },
            "--loaded" => o with { Loaded = number },
            "--calls" => o with { Calls = Math.Max(1, number) },
            "--budget" => o with { BudgetSeconds = number },
            "--broker-pid" => o with { BrokerPid = number },
            "--predeclared" when number is 0 or 1 => o with { Predeclared = number == 1 },
            _ => null,
        }, out error);
        return options is null ? null : options with { Loaded = Math.Min(options.Loaded, options.Queues) };
    }
}
