using System.Text;
using System.Text.Json;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using MQTTnet;
using RabbitMQ.Client;

namespace Courier.BrowserTests;

/// <summary>
/// A web page with @stomp/stompjs in Debian's Chromium, driven by Playwright, against Courier's
/// STOMP over WebSockets listener: it subscribes to <c>/topic/t</c> and receives one message
/// published over AMQP and one published over MQTT.
/// </summary>
public sealed class StompJsInChromiumTests
{
    private const float TimeoutMs = 20_000;

    [Fact]
    public async Task A_page_with_stomp_js_receives_messages_published_over_amqp_and_mqtt()
    {
        var pageUrl = StompPage.Url();
        await using var broker = await TestBroker.StartAsync();
        var wsPort = broker.Host.EndPointOf("stomp-ws").Port;
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await BrowserEnvironment.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);

        await page.GotoAsync($"{pageUrl}?url={Uri.EscapeDataString($"ws://127.0.0.1:{wsPort}/ws")}&destination={Uri.EscapeDataString("/topic/t")}");
        await page.WaitForFunctionAsync("() => window.courier.state !== 'starting' && window.courier.state !== 'connected'", null, new() { Timeout = TimeoutMs });
        Assert.True(
            await page.EvaluateAsync<string>("() => window.courier.state") == "subscribed",
            $"the page did not subscribe: {await page.EvaluateAsync<string>("() => JSON.stringify(window.courier)")}; console: {string.Join(" | ", console)}");
        Assert.Equal("1.2", await page.EvaluateAsync<string>("() => window.courier.version"));

        await using (var amqp = await broker.ConnectAsync())
        await using (var channel = await amqp.CreateChannelAsync())
        {
            await channel.BasicPublishAsync("amq.topic", "t", Encoding.UTF8.GetBytes("from amqp"));
        }

        using (var mqtt = new MqttClientFactory().CreateMqttClient())
        {
            await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.MqttPort).WithClientId("browser-test-publisher").Build());
            await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("t").WithPayload("from mqtt").Build());
            await mqtt.DisconnectAsync();
        }

        await page.WaitForFunctionAsync("() => window.courier.received.length >= 2", null, new() { Timeout = TimeoutMs });
        var received = await page.EvaluateAsync<JsonElement>("() => window.courier.received");
        Assert.Equal(["from amqp", "from mqtt"], received.EnumerateArray().Select(m => m.GetProperty("body").GetString()).Order());
        Assert.All(received.EnumerateArray(), m => Assert.Equal("/topic/t", m.GetProperty("destination").GetString()));
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.courier.errors"));
    }
}
