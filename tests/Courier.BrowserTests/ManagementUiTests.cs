using System.Globalization;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Playwright;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Courier.BrowserTests;

/// <summary>
/// The management web UI in Debian's Chromium, driven by Playwright, against a real broker: log in,
/// declare a queue, publish through the UI and with RabbitMQ.Client, watch the count and the chart
/// move, get the message back, close a client's connection with a reason.
/// </summary>
/// <remarks>
/// With <c>COURIER_UI_SCREENSHOTS</c> set to a folder (docs/images/regenerate-ui-screenshots.sh sets
/// docs/images), the run also saves a screenshot of each page there as <c>ui-*.png</c>.
/// </remarks>
public sealed class ManagementUiTests
{
    private const string Payload = "hello from the web UI";

    [Fact]
    public async Task Through_the_ui_a_user_declares_publishes_sees_the_chart_move_gets_and_closes_a_connection()
    {
        // Rates sampled every 500 ms rather than RabbitMQ's 5 s, so the chart moves soon.
        await using var broker = await TestBroker.StartAsync(null, "--collect-statistics-interval", "500");
        await using var ui = await UiSession.StartAsync(broker);
        var page = ui.Page;
        await using var client = await broker.ConnectAsync(f => f.ClientProvidedName = "orders-service");
        var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ConnectionShutdownAsync += (_, e) =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };

        // A channel that stays open, for the channels page and the connection's page.
        var open = await client.CreateChannelAsync();
        await open.QueueDeclareAsync("ui.replies", durable: false, exclusive: true, autoDelete: true);
        await ui.ShotAsync("login", beforeLogin: true);
        await ui.LoginAsync("guest", "guest");
        await page.SelectOptionAsync("#refresh", "1");

        // Declare the queue through the form on the queues page.
        await page.GotoAsync(ui.Url("#/queues"));
        await page.FillAsync("#add-queues-name", "ui.orders");
        await page.ClickAsync("#add-queues button[type=submit]");
        await page.Locator("[data-list=queues] a", new() { HasTextString = "ui.orders" }).ClickAsync();
        await page.Locator("#queue-total").WaitForAsync();
        Assert.Equal("0", await page.TextContentAsync("#queue-total"));

        // Publish through the UI (the default exchange, routed by the queue's name), then with a client.
        await page.FillAsync("#publish-payload", Payload);
        await page.ClickAsync("#publish button[type=submit]");
        await ui.WaitForTextAsync("#queue-total", "1");
        await using (var channel = await client.CreateChannelAsync())
        {
            for (var i = 0; i < 4; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "ui.orders", Encoding.UTF8.GetBytes($"from the client {i}"));
            }
        }

        await ui.WaitForTextAsync("#queue-total", "5");

        // The queue's chart and the overview's queued-messages chart both went up to 5.
        await ui.WaitForChartAsync("queue-messages", "messages", 5);
        await page.GotoAsync(ui.Url("#/overview"));
        await ui.WaitForChartAsync("queued", "messages", 5);

        // Get the UI's message (first in the queue) and take it off the queue.
        await page.GotoAsync(ui.Url("#/queues/%2F/ui.orders"));
        await page.SelectOptionAsync("#get select[name=ackmode]", "ack_requeue_false");
        await page.ClickAsync("#get button[type=submit]");
        await ui.WaitForTextAsync("#got-messages .payload", Payload);
        await ui.WaitForTextAsync("#queue-total", "4");

        // The rate charts move while a client publishes: the overview's and the queue's publish lines.
        await using (var channel = await client.CreateChannelAsync())
        {
            await page.GotoAsync(ui.Url("#/overview"));
            await PublishUntilAsync(channel, ui, "rates", "publish");
            await ui.ShotAsync("overview");
            await page.GotoAsync(ui.Url("#/queues/%2F/ui.orders"));
            await PublishUntilAsync(channel, ui, "queue-rates", "publish");
            await ui.ShotAsync("queue");
        }

        await page.GotoAsync(ui.Url("#/queues"));
        await page.Locator("[data-list=queues] a", new() { HasTextString = "ui.orders" }).WaitForAsync();
        await ui.ShotAsync("queues");
        await page.GotoAsync(ui.Url("#/exchanges"));
        await page.Locator("[data-list=exchanges] a", new() { HasTextString = "amq.topic" }).WaitForAsync();
        await ui.ShotAsync("exchanges");

        // A publishing channel's rate shows on the channels page, and on its connection's page below.
        var publishing = await client.CreateChannelAsync();
        await page.GotoAsync(ui.Url("#/channels"));
        await page.Locator("[data-list=channels] table").WaitForAsync();
        await PublishUntilAsync(publishing, ui, "[data-list=channels] td.rate-publish");
        await ui.ShotAsync("channels");
        await page.GotoAsync(ui.Url("#/admin"));
        await page.Locator("#users-list table").WaitForAsync();
        await page.Locator("#permissions-list table").WaitForAsync();
        await ui.ShotAsync("admin");

        // Close the client's connection from its page, with a reason the client sees.
        await page.GotoAsync(ui.Url("#/connections"));
        var link = page.Locator("[data-list=connections] tbody a");
        await link.WaitForAsync();
        Assert.Equal(1, await link.CountAsync());
        await ui.ShotAsync("connections");
        await link.ClickAsync();
        await page.Locator("#connection-facts dl").WaitForAsync();
        Assert.Contains("orders-service", await page.TextContentAsync("#connection-facts") ?? string.Empty, StringComparison.Ordinal);
        await PublishUntilAsync(publishing, ui, "#connection-channels td.rate-publish");
        await ui.ShotAsync("connection");
        await page.FillAsync("#close-reason", "closed by the operator in the UI test");
        await page.ClickAsync("#close-connection button[type=submit]");
        var shutdown = await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(320, shutdown.ReplyCode);
        Assert.Contains("closed by the operator in the UI test", shutdown.ReplyText, StringComparison.Ordinal);
        await page.WaitForFunctionAsync("() => location.hash === '#/connections'", null, new() { Timeout = UiSession.TimeoutMs });
        await page.Locator("[data-list=connections] p", new() { HasTextString = "No connections." }).WaitForAsync();

        // Log out: the session is forgotten and the login page is back.
        await page.ClickAsync("#logout");
        await page.Locator("#login-form").WaitForAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('courier.auth')"));
        ui.AssertNoPageErrors();
    }

    [Fact]
    public async Task A_wrong_password_stays_on_the_login_page_and_an_expired_login_returns_to_it()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var ui = await UiSession.StartAsync(broker);
        var page = ui.Page;
        await page.GotoAsync(ui.Url(string.Empty));
        await page.FillAsync("#login-user", "guest");
        await page.FillAsync("#login-password", "wrong");
        await page.ClickAsync("#login-submit");
        await ui.WaitForTextAsync("#login-error", "Login failed: Login failed");
        Assert.True(await page.IsHiddenAsync("#app"));

        await ui.LoginAsync("guest", "guest");
        broker.Host.Broker.Users.AddOrReplace("guest", "changed", "administrator");
        await page.SelectOptionAsync("#refresh", "1");
        await page.Locator("#login-form").WaitForAsync(new() { Timeout = UiSession.TimeoutMs });
        Assert.Contains("log in again", await page.TextContentAsync("#login-error") ?? string.Empty, StringComparison.Ordinal);
        ui.AssertNoPageErrors();
    }

    [Fact]
    public async Task Through_the_admin_page_an_administrator_adds_a_vhost_a_user_its_permissions_and_a_policy()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var ui = await UiSession.StartAsync(broker);
        var page = ui.Page;
        await ui.LoginAsync("guest", "guest");
        await page.GotoAsync(ui.Url("#/admin"));

        await page.FillAsync("#add-vhost input[name=name]", "shop");
        await page.ClickAsync("#add-vhost button[type=submit]");
        await page.Locator("#vhosts-list td", new() { HasTextString = "shop" }).WaitForAsync();

        await page.FillAsync("#add-user input[name=name]", "clerk");
        await page.FillAsync("#add-user input[name=password]", "clerk-password");
        await page.FillAsync("#add-user input[name=tags]", "management, policymaker");
        await page.ClickAsync("#add-user button[type=submit]");
        await page.Locator("#users-list td", new() { HasTextString = "management, policymaker" }).WaitForAsync();

        // The permission form's vhost list was built before "shop" existed: reload the page to pick it.
        await page.ReloadAsync();
        await page.FillAsync("#set-permission input[name=user]", "clerk");
        await page.SelectOptionAsync("#set-permission select[name=vhost]", "shop");
        await page.ClickAsync("#set-permission button[type=submit]");
        await page.Locator("#permissions-list td", new() { HasTextString = "clerk" }).WaitForAsync();
        Assert.NotNull(broker.Host.Broker.Users.GetPermission("clerk", "shop"));

        // A topic permission: set through its form, listed, then cleared from its row.
        await page.FillAsync("#set-topic-permission input[name=user]", "clerk");
        await page.SelectOptionAsync("#set-topic-permission select[name=vhost]", "shop");
        await page.FillAsync("#set-topic-permission input[name=write]", "^clerk\\.");
        await page.ClickAsync("#set-topic-permission button[type=submit]");
        await page.Locator("#topic-permissions-list td", new() { HasTextString = "^clerk\\." }).WaitForAsync();
        Assert.Equal("^clerk\\.", broker.Host.Broker.Users.GetTopicPermission("clerk", "shop", "amq.topic")?.Write);
        await page.Locator("#topic-permissions-list button", new() { HasTextString = "Clear" }).ClickAsync();
        await page.Locator("#topic-permissions-list p", new() { HasTextString = "No topic permissions." }).WaitForAsync();
        Assert.Null(broker.Host.Broker.Users.GetTopicPermission("clerk", "shop", "amq.topic"));

        // The new user logs in, sets a policy, and the queue's page shows it in effect.
        await page.ClickAsync("#logout");
        await ui.LoginAsync("clerk", "clerk-password");
        Assert.False(await page.IsHiddenAsync("#nav-admin"));
        await page.GotoAsync(ui.Url("#/admin"));
        Assert.Equal(0, await page.Locator("#users").CountAsync());
        await page.SelectOptionAsync("#add-policies select[name=vhost]", "shop");
        await page.FillAsync("#add-policies input[name=name]", "cap");
        await page.FillAsync("#add-policies input[name=pattern]", "^orders$");
        await page.SelectOptionAsync("#add-policies select[name=apply-to]", "queues");
        await page.FillAsync("#add-policies textarea[name=definition]", "{\"max-length\": 3}");
        await page.ClickAsync("#add-policies button[type=submit]");
        await page.Locator("#policies-list td", new() { HasTextString = "^orders$" }).WaitForAsync();

        await page.GotoAsync(ui.Url("#/queues"));
        await page.SelectOptionAsync("#add-queues select[name=vhost]", "shop");
        await page.FillAsync("#add-queues-name", "orders");
        await page.ClickAsync("#add-queues button[type=submit]");
        await page.Locator("[data-list=queues] a", new() { HasTextString = "orders" }).ClickAsync();
        await page.Locator("#queue-facts dd", new() { HasTextString = "Pol cap" }).WaitForAsync();
        Assert.Contains("\"max-length\":3", await page.TextContentAsync("#queue-facts") ?? string.Empty, StringComparison.Ordinal);
        ui.AssertNoPageErrors();
    }

    [Fact]
    public async Task A_management_user_sees_no_admin_page()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.Users.AddOrReplace("watcher", "w", "management");
        broker.Host.Broker.Users.SetPermission("watcher", "/", Courier.Core.Security.Permission.All);
        await using var ui = await UiSession.StartAsync(broker);
        await ui.LoginAsync("watcher", "w");
        Assert.True(await ui.Page.IsHiddenAsync("#nav-admin"));
        await ui.Page.GotoAsync(ui.Url("#/admin"));
        await ui.WaitForTextAsync("#main p", "This user may not administer the broker.");
        ui.AssertNoPageErrors();
    }

    /// <summary>Publishes batches to ui.orders until the chart's line shows a rate above zero (bounded: 100 batches).</summary>
    private static Task PublishUntilAsync(IChannel channel, UiSession ui, string chart, string series) =>
        PublishUntilAsync(channel, timeout => ui.ChartShowsAsync(chart, series, 0.001, timeout), () => ui.WaitForChartAsync(chart, series, 0.001));

    /// <summary>Publishes batches to ui.orders until a table cell the selector picks shows a rate above zero (bounded: 100 batches).</summary>
    private static Task PublishUntilAsync(IChannel channel, UiSession ui, string rateCells) =>
        PublishUntilAsync(channel, timeout => ui.RateShowsAsync(rateCells, timeout), async () =>
            Assert.True(await ui.RateShowsAsync(rateCells, TimeSpan.FromMilliseconds(UiSession.TimeoutMs)), $"no rate above zero in {rateCells}"));

    private static async Task PublishUntilAsync(IChannel channel, Func<TimeSpan, Task<bool>> shows, Func<Task> waitOrFail)
    {
        for (var batch = 0; batch < 100; batch++)
        {
            for (var i = 0; i < 10; i++)
            {
                await channel.BasicPublishAsync(string.Empty, "ui.orders", Encoding.UTF8.GetBytes($"rate {batch}.{i}"));
            }

            if (await shows(TimeSpan.FromMilliseconds(500)))
            {
                return;
            }
        }

        await waitOrFail();
    }

    internal static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
