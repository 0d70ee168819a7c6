using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.IntegrationTests.Model;
using RabbitMQ.Client;

namespace Courier.IntegrationTests.Reliability;

/// <summary>What the reliable-messaging tests repeat: arguments, confirm channels, reading x-death.</summary>
internal static class ReliabilityShortcuts
{
    public static CreateChannelOptions Confirming { get; } = new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);

    public static Dictionary<string, object?> Args(params (string Key, object? Value)[] entries)
    {
        var table = new Dictionary<string, object?>();
        foreach (var (key, value) in entries)
        {
            table[key] = value;
        }

        return table;
    }

    /// <summary>Takes one message with basic.get (manual ack); null on get-empty.</summary>
    public static Task<BasicGetResult?> TakeAsync(this IChannel channel, string queue) => channel.BasicGetAsync(queue, autoAck: false);

    /// <summary>Waits until basic.get finds a message in <paramref name="queue"/> and returns it (auto-acked unless told otherwise).</summary>
    public static async Task<BasicGetResult> WaitForMessageAsync(this IChannel channel, string queue, string what, bool autoAck = true)
    {
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (true)
        {
            if (await channel.BasicGetAsync(queue, autoAck) is { } result)
            {
                return result;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(10);
        }
    }

    public static string Text(this BasicGetResult result) => Encoding.UTF8.GetString(result.Body.Span);

    /// <summary>The entries of a delivery's <c>x-death</c> header, newest first.</summary>
    public static IReadOnlyList<IDictionary<string, object?>> Deaths(this IReadOnlyBasicProperties properties)
    {
        Assert.NotNull(properties.Headers);
        Assert.True(properties.Headers!.TryGetValue("x-death", out var value), "the message carries x-death");
        return [.. ((IEnumerable<object?>)value!).Cast<IDictionary<string, object?>>()];
    }

    public static string Str(this IDictionary<string, object?> table, string key) =>
        table[key] switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            var other => Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture)!,
        };

    public static string HeaderText(this IReadOnlyBasicProperties properties, string key) =>
        properties.Headers![key] is byte[] bytes ? Encoding.UTF8.GetString(bytes) : properties.Headers[key]!.ToString()!;

    public static uint Ready(this TestBroker broker, string queue) =>
        broker.DefaultVirtualHost().TryGetQueue(queue, out var q) ? (uint)q.MessageCount : 0;
}
