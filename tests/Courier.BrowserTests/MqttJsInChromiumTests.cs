using System.Text;
using System.Text.Json;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using RabbitMQ.Client;

namespace Courier.BrowserTests;

/// <summary>
/// A web page with MQTT.js in Debian's Chromium, driven by Playwright, against Courier's MQTT over
/// WebSockets listener: it connects, subscribes, receives what an AMQP client publishes to
/// <c>amq.topic</c>, and publishes back to an AMQP queue.
/// </summary>
public sealed class MqttJsInChromiumTests
{
    private const float TimeoutMs = 20_000;

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public async Task A_page_with_mqtt_js_receives_a_message_published_over_amqp_and_publishes_back(int protocolLevel)
    {
        var pageUrl = BrowserEnvironment.PageUrl();
        await using var broker = await TestBroker.StartAsync();
        var wsPort = broker.Host.MqttWebSocketEndPoint.Port;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserEnvironment.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);

        var topic = $"browser/{protocolLevel}/inbox";
        await page.GotoAsync($"{pageUrl}?url={Uri.EscapeDataString($"ws://127.0.0.1:{wsPort}/ws")}&topic={Uri.EscapeDataString(topic)}&version={protocolLevel}");
        await page.WaitForFunctionAsync("() => window.courier.state !== 'starting' && window.courier.state !== 'connected'", null, new() { Timeout = TimeoutMs });
        Assert.True(
            await page.EvaluateAsync<string>("() => window.courier.state") == "subscribed",
            $"the page did not subscribe: {await page.EvaluateAsync<string>("() => JSON.stringify(window.courier)")}; console: {string.Join(" | ", console)}");
        var granted = await page.EvaluateAsync<int[]>("() => window.courier.granted");
        Assert.Equal([1], granted);

        await using var amqp = await broker.ConnectAsync();
        await using var channel = await amqp.CreateChannelAsync();
        // Persistent, so it is delivered at the subscription's QoS 1 (a transient message goes at QoS 0).
        await channel.BasicPublishAsync("amq.topic", $"browser.{protocolLevel}.inbox", mandatory: false, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, Encoding.UTF8.GetBytes("hello, browser"));

        await page.WaitForFunctionAsync("() => window.courier.received.length > 0", null, new() { Timeout = TimeoutMs });
        var received = await page.EvaluateAsync<JsonElement>("() => window.courier.received");
        var message = Assert.Single(received.EnumerateArray());
        Assert.Equal(topic, message.GetProperty("topic").GetString());
        Assert.Equal("hello, browser", message.GetProperty("payload").GetString());
        Assert.Equal(1, message.GetProperty("qos").GetInt32());

        // And back: the page's QoS 1 publish is acknowledged and lands in an AMQP queue bound to amq.topic.
        var queue = (await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", $"browser.{protocolLevel}.outbox");
        Assert.Equal("acknowledged", await page.EvaluateAsync<string>($"() => window.courier.publish('browser/{protocolLevel}/outbox', 'hello, amqp')"));
        var got = await channel.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(got);
        Assert.Equal("hello, amqp", Encoding.UTF8.GetString(got.Body.Span));
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.courier.errors"));
    }
}
