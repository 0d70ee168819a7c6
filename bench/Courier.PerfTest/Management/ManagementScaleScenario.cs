using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;

namespace Courier.PerfTest.Management;

/// <summary>
/// Fills a broker the way a large installation looks to its management UI — many queues, some with
/// messages, many idle connections — and then times the API requests the UI and scripts make
/// (a page of queues, sorted and filtered; the overview; one queue), sequentially, each over the
/// same kept-alive HTTP connection. Queues are declared with no-wait over a few channels (pipelined,
/// one passive declare per channel at the end as a fence), not one HTTP call each.
/// </summary>
public sealed class ManagementScaleScenario(ManagementScaleOptions options, TextWriter output)
{
    private const int WarmupCalls = 2;

    private const string UiQueueColumns = "name,vhost,type,durable,auto_delete,exclusive,arguments,policy,state,consumers,messages_ready,messages_unacknowledged,messages,message_stats";

    public static string QueueName(int i) => "mgmt-" + i.ToString("D6", CultureInfo.InvariantCulture);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = options.Host,
            Port = options.Port,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.FromMinutes(10),
            // A peer declaring 100,000 queues under load answers the fence late.
            ContinuationTimeout = TimeSpan.FromMinutes(15),
            RequestedConnectionTimeout = TimeSpan.FromMinutes(2),
        };
        var held = new List<IConnection>();
        using var http = new HttpClient { BaseAddress = new Uri($"http://{options.Host}:{options.HttpPort}/"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));
        try
        {
            var declare = Stopwatch.StartNew();
            await using (var loader = await factory.CreateConnectionAsync(cancellationToken))
            {
                if (options.Predeclared)
                {
                    // An import may still be running when its command returns (RabbitMQ's is asynchronous).
                    await WaitForTotalsAsync(http, connections: 0, TimeSpan.FromHours(2), cancellationToken);
                }
                else
                {
                    await DeclareQueuesAsync(loader, cancellationToken);
                    output.WriteLine($"declared {options.Queues} queues in {declare.Elapsed.TotalSeconds:F1} s");
                }

                await LoadQueuesAsync(loader, cancellationToken);
            }

            var connect = Stopwatch.StartNew();
            for (int i = 0; i < options.Connections; i++)
            {
                held.Add(await factory.CreateConnectionAsync($"mgmt-idle-{i}", cancellationToken));
            }

            output.WriteLine($"opened {options.Connections} connections in {connect.Elapsed.TotalSeconds:F1} s");
            await WaitForTotalsAsync(http, options.Connections, TimeSpan.FromMinutes(5), cancellationToken);

            string middle = QueueName(options.Queues / 2);
            var requests = new (string Name, string Path)[]
            {
                ("queues_page", "api/queues?page=1&page_size=100"),
                // What the web UI's queues page asks for when it opens (src/Courier.Management/Ui/www/queues.js).
                ("ui_queues_page", "api/queues?page=1&page_size=50&columns=" + Uri.EscapeDataString(UiQueueColumns)),
                ("queues_sorted_by_messages", "api/queues?page=1&page_size=100&sort=messages&sort_reverse=true"),
                ("queues_filtered_by_name", $"api/queues?page=1&page_size=100&name={middle[..^2]}&use_regex=false"),
                ("overview", "api/overview"),
                ("one_queue", $"api/queues/%2F/{middle}"),
            };
            var results = new JsonObject
            {
                ["queues"] = options.Queues,
                ["connections"] = options.Connections,
                ["calls"] = options.Calls,
            };
            foreach (var (name, path) in requests)
            {
                double cpuBefore = BrokerCpuMilliseconds();
                var (median, p99, bytes, calls) = await TimeAsync(http, path, cancellationToken);
                // Warm-up calls included: the broker's CPU time per call, which the machine's load does not inflate.
                double cpuPerCall = (BrokerCpuMilliseconds() - cpuBefore) / (calls + WarmupCalls);
                output.WriteLine($"{name,-28} median {median,8:F1} ms  p99 {p99,8:F1} ms  broker cpu {cpuPerCall,7:F1} ms/call  ({calls} calls, {bytes} bytes)  GET /{path}");
                results[name] = new JsonObject { ["median_ms"] = Math.Round(median, 2), ["p99_ms"] = Math.Round(p99, 2), ["cpu_ms"] = Math.Round(cpuPerCall, 2), ["calls"] = calls, ["bytes"] = bytes };
            }

            output.WriteLine("SUMMARY " + results.ToJsonString());
            return 0;
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    // utime + stime of /proc/PID/stat (fields 14 and 15, in clock ticks of 10 ms), or 0 without a pid.
    private double BrokerCpuMilliseconds()
    {
        if (options.BrokerPid is not { } pid)
        {
            return 0;
        }

        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
    }

    private async Task DeclareQueuesAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channels = new IChannel[options.Channels];
        for (int c = 0; c < channels.Length; c++)
        {
            channels[c] = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        }

        // Each channel declares every K-th name; a channel's methods are handled in order, so a
        // passive declare of its last name answers only after all of its no-wait declares.
        await Task.WhenAll(channels.Select(async (channel, c) =>
        {
            string last = QueueName(c);
            for (int i = c; i < options.Queues; i += channels.Length)
            {
                last = QueueName(i);
                await channel.QueueDeclareAsync(last, durable: false, exclusive: false, autoDelete: false, arguments: null, noWait: true, cancellationToken: cancellationToken);
            }

            await channel.QueueDeclarePassiveAsync(last, cancellationToken);
        }));
        foreach (var channel in channels)
        {
            await channel.DisposeAsync();
        }
    }

    private async Task LoadQueuesAsync(IConnection connection, CancellationToken cancellationToken)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        var body = new byte[16];
        int published = 0;
        for (int i = 0; i < options.Loaded; i++)
        {
            for (int m = 0; m <= i % 10; m++)
            {
                await channel.BasicPublishAsync(string.Empty, QueueName(i), body, cancellationToken);
                published++;
            }
        }

        output.WriteLine($"published {published} messages to {options.Loaded} queues");
    }

    // The peer's overview may lag the declares (RabbitMQ's statistics are collected every few
    // seconds): time nothing until it counts every queue and connection.
    private async Task WaitForTotalsAsync(HttpClient http, int connections, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var overview = JsonNode.Parse(await http.GetStringAsync("api/overview", cancellationToken));
            long queues = overview?["object_totals"]?["queues"]?.GetValue<long>() ?? 0;
            long open = overview?["object_totals"]?["connections"]?.GetValue<long>() ?? 0;
            if (queues >= options.Queues && open >= connections)
            {
                output.WriteLine($"overview counts {queues} queues and {open} connections after {waited.Elapsed.TotalSeconds:F1} s");
                return;
            }

            if (waited.Elapsed > limit)
            {
                throw new TimeoutException($"the overview still counts {queues} queues and {open} connections after {limit}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    // Calls stop early, after at least MinimumCalls, once a request has used its time budget: a
    // peer that takes seconds per page would otherwise take an hour for 50 calls.
    private async Task<(double Median, double P99, long Bytes, int Calls)> TimeAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        const int MinimumCalls = 5;
        var times = new List<double>(options.Calls);
        long bytes = 0;
        var budget = Stopwatch.StartNew();
        for (int i = -WarmupCalls; i < options.Calls; i++)
        {
            if (i == 0)
            {
                budget.Restart();
            }
            else if (i >= MinimumCalls && budget.Elapsed.TotalSeconds > options.BudgetSeconds)
            {
                break;
            }

            long start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            response.EnsureSuccessStatusCode();
            if (i >= 0)
            {
                times.Add(elapsed);
                bytes = content.Length;
            }
        }

        times.Sort();
        return (Percentile(times, 0.5), Percentile(times, 0.99), bytes, times.Count);
    }

    private static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];
}
