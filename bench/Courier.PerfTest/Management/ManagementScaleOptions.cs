using System.Globalization;

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

    public static ManagementScaleOptions? Parse(ReadOnlySpan<string> args, out string? error)
    {
        var options = new ManagementScaleOptions();
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
                "--http-port" => options with { HttpPort = number },
                "--queues" => options with { Queues = Math.Max(1, number) },
                "--connections" => options with { Connections = number },
                "--channels" => options with { Channels = Math.Clamp(number, 1, 64) },
                "--loaded" => options with { Loaded = number },
                "--calls" => options with { Calls = Math.Max(1, number) },
                "--budget" => options with { BudgetSeconds = number },
                "--broker-pid" => options with { BrokerPid = number },
                _ => null!,
            };
            if (options is null)
            {
                error = $"unknown option {args[i]}";
                return null;
            }
        }

        return options with { Loaded = Math.Min(options.Loaded, options.Queues) };
    }
}
