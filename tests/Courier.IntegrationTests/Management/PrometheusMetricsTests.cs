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
        Assert.Equal(1, samples["rabbitmq_identity_info"]);

        using var elsewhere = await http.GetAsync("api/overview");
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        using var notOnTheApiPort = await api.SendAsync(HttpMethod.Get, "metrics");
        Assert.Equal(HttpStatusCode.NotFound, notOnTheApiPort.StatusCode);
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
            Assert.True(typed.Contains(name), $"sample of {name} before its TYPE");
            values[name] = double.Parse(sample.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }

        return values;
    }

    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*=""([^""\\\n]|\\[\\""n])*"",?)*\})? (?<value>[-+]?([0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|NaN|Inf))( -?[0-9]+)?$")]
    private static partial Regex SampleLine();
}
