using System.Globalization;
using Courier.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace Courier.BrowserTests;

/// <summary>Chromium on a test broker's management UI: login, waits on the page's state, screenshots.</summary>
internal sealed class UiSession : IAsyncDisposable
{
    public const float TimeoutMs = 20_000;

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _errors = [];
    private readonly string _base;

    private UiSession(IPlaywright playwright, IBrowser browser, IPage page, string baseUrl)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        _base = baseUrl;
        page.PageError += (_, error) => _errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.Contains("401", StringComparison.Ordinal))
            {
                _errors.Add(message.Text);
            }
        };

        // The UI asks before it closes, purges or deletes.
        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        page.SetDefaultTimeout(TimeoutMs);
    }

    public IPage Page { get; }

    /// <summary>The folder screenshots go to, from COURIER_UI_SCREENSHOTS; none when unset.</summary>
    public static string? ScreenshotFolder => Environment.GetEnvironmentVariable("COURIER_UI_SCREENSHOTS") is { Length: > 0 } folder ? folder : null;

    public static async Task<UiSession> StartAsync(TestBroker broker)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await BrowserEnvironment.LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 } });
        return new UiSession(playwright, browser, page, $"http://127.0.0.1:{broker.Host.EndPointOf("http").Port}/");
    }

    public string Url(string hash) => _base + hash;

    public async Task LoginAsync(string user, string password)
    {
        await Page.GotoAsync(Url(string.Empty));
        await Page.FillAsync("#login-user", user);
        await Page.FillAsync("#login-password", password);
        await Page.ClickAsync("#login-submit");
        await Page.Locator("#app").WaitForAsync();
        Assert.Equal(user, (await Page.TextContentAsync("#whoami"))?.Split(' ')[0]);
    }

    /// <summary>Waits until the element's text is <paramref name="text"/>; fails with what it showed.</summary>
    public async Task WaitForTextAsync(string selector, string text)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "([selector, text]) => { const el = document.querySelector(selector); return el !== null && el.textContent.trim() === text; }",
                new object[] { selector, text },
                new() { Timeout = TimeoutMs });
        }
        catch (TimeoutException)
        {
            var shown = await Page.EvaluateAsync<string?>("s => document.querySelector(s)?.textContent ?? null", selector);
            Assert.Fail($"{selector} did not show '{text}' but '{shown}'; flash: '{await Page.TextContentAsync("#flash")}'; errors: {string.Join(" | ", _errors)}");
        }
    }

    /// <summary>Waits until a chart's line has drawn a value of at least <paramref name="atLeast"/>.</summary>
    public async Task WaitForChartAsync(string chart, string series, double atLeast)
    {
        if (!await ChartShowsAsync(chart, series, atLeast, TimeSpan.FromMilliseconds(TimeoutMs)))
        {
            var selector = $"[data-chart='{chart}'] polyline[data-series='{series}']";
            var max = await Page.EvaluateAsync<string?>("s => document.querySelector(s)?.dataset.max ?? null", selector);
            Assert.Fail($"the chart {chart} did not draw {series} up to {atLeast.ToString(CultureInfo.InvariantCulture)}: its largest value is {max}");
        }
    }

    /// <summary>True once a table cell <paramref name="cells"/> picks shows a rate above zero (not <c>0.0/s</c>) within <paramref name="timeout"/>.</summary>
    public async Task<bool> RateShowsAsync(string cells, TimeSpan timeout)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "selector => [...document.querySelectorAll(selector)].some(td => /[1-9]/.test(td.textContent))",
                cells,
                new() { Timeout = (float)timeout.TotalMilliseconds });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>True once a chart's line has drawn a value of at least <paramref name="atLeast"/> (over two points or more) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ChartShowsAsync(string chart, string series, double atLeast, TimeSpan timeout)
    {
        try
        {
            await Page.WaitForFunctionAsync(
                "([selector, least]) => { const line = document.querySelector(selector); return line !== null && Number(line.dataset.max) >= least && line.getAttribute('points').split(' ').length >= 2; }",
                new object[] { $"[data-chart='{chart}'] polyline[data-series='{series}']", atLeast },
                new() { Timeout = (float)timeout.TotalMilliseconds });
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Saves docs/images/ui-{name}.png when screenshots are asked for.</summary>
    public async Task ShotAsync(string name, bool beforeLogin = false)
    {
        if (ScreenshotFolder is not { } folder)
        {
            return;
        }

        if (beforeLogin)
        {
            await Page.GotoAsync(Url(string.Empty));
            await Page.Locator("#login-form").WaitForAsync();
        }

        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new() { Path = Path.Combine(folder, $"ui-{name}.png"), FullPage = true });
    }

    public void AssertNoPageErrors() => Assert.True(_errors.Count == 0, "the page reported errors: " + string.Join(" | ", _errors));

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
