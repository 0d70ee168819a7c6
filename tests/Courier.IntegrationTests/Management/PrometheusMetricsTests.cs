using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Management;

/// <summary><c>/metrics</c> on the Prometheus port: RabbitMQ's aggregated metric names in a valid text exposition.</summary>
public sealed partial class PrometheusMetricsTests
{
    [Fact]
    public async Task Metrics_report_RabbitMQs_aggregated_names_in_a_valid_exposition()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/m1", new { durable = false });
        await api.PutAsync("api/queues/%2F/m2", new { durable = false });
        await api.PostAsync("api/exchanges/%2F/amq.default/publish", new { properties = new { }, routing_key = "m1", payload = "x", payload_encoding = "string" });
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.Host.EndPointOf("prometheus").Port}/"), Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync("metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var samples = Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(2, samples["rabbitmq_queues"]);
        Assert.Equal(1, samples["rabbitmq_queue_messages_ready"]);
        Assert.Equal(1, samples["rabbitmq_queue_messages"]);
        Assert.Equal(0, samples["rabbitmq_queue_messages_unacked"]);
        Assert.Equal(1, samples["rabbitmq_connections"]);
        Assert.Equal(1, samples["rabbitmq_channels"]);
        Assert.Equal(1, samples.Single(s => s.Key.StartsWith("rabbitmq_identity_info{", StringComparison.Ordinal)).Value);

        using var elsewhere = await http.GetAsync("api/overview");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var notOnTheApiPort = await api.SendAsync(HttpMethod.Get, "metrics");
        Assert.Equal(HttpStatusCode.NotFound, notOnTheApiPort.StatusCode);
    }

    [Fact]
    public async Task Global_counters_by_protocol_and_per_queue_families_count_what_clients_did()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/q1", new { durable = true });
        await using var connection = await broker.ConnectAsync();
        await using (var confirming = await connection.CreateChannelAsync(new RabbitMQ.Client.CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            for (var i = 0; i < 3; i++)
            {
                await confirming.BasicPublishAsync(string.Empty, "q1", mandatory: false, new RabbitMQ.Client.BasicProperties { Persistent = true }, "m"u8.ToArray());
            }
        }

        await using var channel = await connection.CreateChannelAsync();
        Assert.NotNull(await channel.BasicGetAsync("q1", autoAck: true));

        using var http = Scraper(broker);
        var totals = Parse(await http.GetStringAsync("metrics"));
        Assert.Equal(3, totals["rabbitmq_global_messages_received_total{protocol=\"amqp091\"}"]);
        Assert.Equal(3, totals["rabbitmq_global_messages_received_confirm_total{protocol=\"amqp091\"}"]);
        Assert.Equal(3, totals["rabbitmq_global_messages_routed_total{protocol=\"amqp091\"}"]);
        Assert.Equal(3, totals["rabbitmq_global_messages_confirmed_total{protocol=\"amqp091\"}"]);
        Assert.Equal(0, totals["rabbitmq_global_messages_received_total{protocol=\"mqtt\"}"]);
        Assert.Equal(1, totals["rabbitmq_global_messages_delivered_get_auto_ack_total{protocol=\"amqp091\",queue_type=\"rabbit_classic_queue\"}"]);
        Assert.Equal(1, totals["rabbitmq_global_messages_delivered_total{protocol=\"amqp091\",queue_type=\"rabbit_classic_queue\"}"]);
        Assert.Equal(3, totals["rabbitmq_queue_messages_published_total"]);
        Assert.True(totals["rabbitmq_connections_opened_total"] >= 1);
        Assert.True(totals["courier_journal_fsyncs_total"] >= 1, "persistent messages to a durable queue were synced");
        Assert.True(totals["courier_journal_commit_seconds_count"] >= 1);
        Assert.Equal(totals["courier_journal_commit_seconds_count"], totals["courier_journal_commit_seconds_bucket{le=\"+Inf\"}"]);
        Assert.True(totals.ContainsKey("courier_queue_messages_paged_out_total"));

        var perObject = Parse(await http.GetStringAsync("metrics/per-object"));
        Assert.Equal(2, perObject["rabbitmq_queue_messages_ready{vhost=\"/\",queue=\"q1\"}"]);
        Assert.Equal(3, perObject["rabbitmq_queue_messages_published_total{vhost=\"/\",queue=\"q1\"}"]);
        Assert.Equal(0, perObject["rabbitmq_queue_consumers{vhost=\"/\",queue=\"q1\"}"]);
        Assert.False(perObject.ContainsKey("rabbitmq_queue_messages_ready"), "per-object gives no node-wide sum of a queue family");
    }

    [Fact]
    public async Task Both_expositions_pass_promtool_check_metrics()
    {
        await using var broker = await TestBroker.StartAsync();
        using var api = new ManagementClient(broker);
        await api.PutAsync("api/queues/%2F/with%22quote%5Cand", new { durable = false });
        await api.PostAsync("api/exchanges/%2F/amq.default/publish", new { properties = new { }, routing_key = "with\"quote\\and", payload = "x", payload_encoding = "string" });

        using var http = Scraper(broker);
        foreach (var path in new[] { "metrics", "metrics/per-object" })
        {
            var text = await http.GetStringAsync(path);
            Parse(text);
            var (exitCode, output) = await PromtoolCheckAsync(text);
            Assert.True(exitCode == 0, $"promtool check metrics on /{path} exited {exitCode}: {output}");
        }
    }

    private static HttpClient Scraper(TestBroker broker) =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{broker.Host.EndPointOf("prometheus").Port}/"), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Debian's <c>promtool check metrics</c> (package <c>prometheus</c>, installed by .ci/run) on the text: lint and format.</summary>
    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string text)
    {
        Assert.True(File.Exists("/usr/bin/promtool"), "promtool is missing: apt-get install prometheus (as .ci/run does)");
        using var process = Process.Start(new ProcessStartInfo("/usr/bin/promtool", "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Reads the text format 0.0.4 strictly: every line is a HELP or TYPE comment or a sample; a
    /// metric's TYPE comes once, before its samples; names, labels and values are well formed.
    /// Returns each sample's value by metric name.
    /// </summary>
    private static Dictionary<string, double> Parse(string text)
    {
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var typed = new HashSet<string>(StringComparer.Ordinal);
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (HelpLine().Match(line) is { Success: true })
            {
                continue;
            }

            if (TypeLine().Match(line) is { Success: true } type)
            {
                Assert.True(typed.Add(type.Groups["name"].Value), $"TYPE given twice for {type.Groups["name"].Value}");
                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a valid exposition line: '{line}'");
            var name = sample.Groups["name"].Value;
            Assert.True(typed.Contains(name) || typed.Contains(HistogramFamily(name)), $"sample of {name} before its TYPE");
            var key = name + sample.Groups["labels"].Value;
            Assert.True(!values.ContainsKey(key), $"sample {key} given twice");
            values[key] = double.Parse(sample.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return values;
    }

    private static string HistogramFamily(string name) =>
        name.EndsWith("_bucket", StringComparison.Ordinal) ? name[..^7]
        : name.EndsWith("_sum", StringComparison.Ordinal) ? name[..^4]
        : name.EndsWith("_count", StringComparison.Ordinal) ? name[..^6]
        : name;

    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?<labels>\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"",?)*\})? (?<value>[-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?$")]
    private static partial Regex SampleLine();
}
