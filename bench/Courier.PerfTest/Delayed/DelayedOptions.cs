using System.Globalization;

namespace Courier.PerfTest.Delayed;

/// <summary>Settings of the delayed-delivery scenario (<c>courier-perftest delayed ...</c>).</summary>
public sealed record DelayedOptions
{
    public const string Usage = """
        courier-perftest delayed [options]   memory and lateness of an x-delayed-message exchange
          --host H              broker address (127.0.0.1)
          --port P              AMQP port (5672)
          --broker-pid PID      the broker's process, whose resident memory is sampled (optional)
          --scheduled N         persistent messages scheduled far ahead (1 to 2 hours) before the
                                measured window, and still scheduled during it (1000000)
          --rate R              messages published, and so due, per second in the window (10000)
          --window S            seconds the paced window publishes for (30)
          --delay MS            x-delay of the window's messages (2000)
          --body B              body bytes, at least 16 (16)
          --timeout S           longest wait for the window's messages after the last publish (60)
          --data-dir DIR        the broker's data directory, whose journal and index sizes are reported (optional)
          --keep 1              leave the exchange and what is scheduled on it (to restart the broker on it)
        """;

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 5672;

    public int? BrokerPid { get; init; }

    public long Scheduled { get; init; } = 1_000_000;

    public int Rate { get; init; } = 10_000;

    public int WindowSeconds { get; init; } = 30;

    public int DelayMillis { get; init; } = 2000;

    public int BodySize { get; init; } = 16;

    public int TimeoutSeconds { get; init; } = 60;

    public string? DataDir { get; init; }

    public bool Keep { get; init; }

    public static DelayedOptions? Parse(ReadOnlySpan<string> args, out string? error)
    {
        var options = new DelayedOptions();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return null;
            }

            var value = args[++i];
            if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && args[i - 1] is not ("--host" or "--data-dir"))
            {
                error = $"{args[i - 1]} needs a number, not '{value}'";
                return null;
            }

            options = args[i - 1] switch
            {
                "--host" => options with { Host = value },
                "--data-dir" => options with { DataDir = value },
                "--port" => options with { Port = (int)number },
                "--broker-pid" => options with { BrokerPid = (int)number },
                "--scheduled" => options with { Scheduled = number },
                "--rate" => options with { Rate = (int)number },
                "--window" => options with { WindowSeconds = (int)number },
                "--delay" => options with { DelayMillis = (int)number },
                "--body" => options with { BodySize = (int)Math.Max(16, number) },
                "--timeout" => options with { TimeoutSeconds = (int)number },
                "--keep" => options with { Keep = number != 0 },
                _ => null!,
            };
            if (options is null)
            {
                error = $"unknown option {args[i - 1]}";
                return null;
            }
        }

        return options;
    }
}
