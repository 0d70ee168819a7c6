using System.Diagnostics;
using System.Globalization;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Courier.BrowserTests;

/// <summary>
/// The queues page with many queues pages, sorts and filters on the server: every call it makes
/// names a page, and what it shows is that page of the whole set. CI runs it with 2,000 queues;
/// <c>COURIER_UI_QUEUES=10000</c> (or more) runs the same check bigger and prints the times.
/// </summary>
public sealed class ManagementUiManyQueuesTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_queues_page_pages_sorts_and_filters_on_the_server()
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable("COURIER_UI_QUEUES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var asked) ? asked : 2_000;
        await using var broker = await TestBroker.StartAsync();
        var vhost = broker.Host.Broker.AddVirtualHost("/");
        var session = new ClientSession("test", "/", "guest", null, new NoControl());
        var declare = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            vhost.DeclareQueue($"q{i:D6}", new QueueDefinition(), passive: false, session);
        }

        output.WriteLine($"declared {count} queues in {declare.ElapsedMilliseconds} ms");
        await using var ui = await UiSession.StartAsync(broker);
        var page = ui.Page;
        var calls = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/queues", StringComparison.Ordinal))
            {
                calls.Add(request.Url);
            }
        };
        await ui.LoginAsync("guest", "guest");

        var shown = Stopwatch.StartNew();
        await page.GotoAsync(ui.Url("#/queues"));
        await ui.WaitForTextAsync("[data-list=queues] .info", $"{ManagementUiTests.Number(count)} total");
        await page.Locator("[data-list=queues] tbody tr").First.WaitForAsync();
        output.WriteLine($"queues page shown in {shown.ElapsedMilliseconds} ms (first page of {count}, 50 rows; 2 cores shared with other agents)");
        Assert.Equal(50, await page.Locator("[data-list=queues] tbody tr").CountAsync());
        Assert.Equal($"Page 1 of {(count + 49) / 50}", (await page.TextContentAsync("[data-list=queues] .page-of"))?.Trim());
        Assert.Equal("q000000", await page.TextContentAsync("[data-list=queues] tbody tr:first-child a"));

        // Sorting by name twice reverses: the last queue comes first.
        await page.ClickAsync("[data-list=queues] th[data-sort=name]");
        await page.ClickAsync("[data-list=queues] th[data-sort=name]");
        await ui.WaitForTextAsync("[data-list=queues] tbody tr:first-child a", $"q{count - 1:D6}");

        // Filtering: one match of the whole set.
        await page.FillAsync("[data-list=queues] input.filter", $"q{count / 2:D6}");
        await ui.WaitForTextAsync("[data-list=queues] .info", $"1 of {ManagementUiTests.Number(count)} match");
        Assert.Equal(1, await page.Locator("[data-list=queues] tbody tr").CountAsync());

        Assert.NotEmpty(calls);
        Assert.All(calls, url =>
        {
            Assert.Contains("page=", url, StringComparison.Ordinal);
            Assert.Contains("page_size=50", url, StringComparison.Ordinal);
            Assert.Contains("columns=", url, StringComparison.Ordinal);
        });
        Assert.Contains(calls, url => url.Contains("sort=name", StringComparison.Ordinal) && url.Contains("sort_reverse=true", StringComparison.Ordinal));
        Assert.Contains(calls, url => url.Contains($"name=q{count / 2:D6}", StringComparison.Ordinal));

        // The call the page makes, timed on its own (what courierctl's benchmark times at 100,000).
        using var http = new HttpClient { BaseAddress = new Uri(ui.Url(string.Empty)) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8.ToArray()));
        var call = "api/queues?page=1&page_size=50&columns=name,vhost,type,durable,auto_delete,exclusive,arguments,policy,state,consumers,messages_ready,messages_unacknowledged,messages,message_stats";
        (await http.GetAsync(call)).EnsureSuccessStatusCode();
        var timed = Stopwatch.StartNew();
        (await http.GetAsync(call)).EnsureSuccessStatusCode();
        output.WriteLine($"GET {call} took {timed.ElapsedMilliseconds} ms with {count} queues");
        ui.AssertNoPageErrors();
    }

    private sealed class NoControl : IClientSessionControl
    {
        public void Close(string reason)
        {
        }
    }
}
