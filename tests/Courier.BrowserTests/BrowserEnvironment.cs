using Microsoft.Playwright;

namespace Courier.BrowserTests;

/// <summary>
/// Debian's Chromium and the page with MQTT.js, found or explained: a missing piece fails the test
/// with what to install, never skips it.
/// </summary>
internal static class BrowserEnvironment
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>The folder with <c>index.html</c> and <c>package.json</c>, next to the project file.</summary>
    public static string WebRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        for (var i = 0; i < 8 && directory is not null; i++, directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "web");
            if (File.Exists(Path.Combine(candidate, "index.html")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"the test page (web/index.html) was not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The page's address; fails if MQTT.js's bundle has not been installed.</summary>
    public static string PageUrl()
    {
        var root = WebRoot();
        var bundle = Path.Combine(root, "node_modules", "mqtt", "dist", "mqtt.min.js");
        Assert.True(
            File.Exists(bundle),
            $"MQTT.js's browser bundle is missing ({bundle}): run `npm ci --prefix {root}` (.ci/run does)");
        return new Uri(Path.Combine(root, "index.html")).AbsoluteUri;
    }

    /// <summary>Launches Debian's Chromium headless; fails if it is not installed.</summary>
    public static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        Assert.True(
            File.Exists(ChromiumPath),
            $"Chromium is not installed at {ChromiumPath}: `apt-get install -y chromium` (.ci/run does; Playwright's own browser download is not used)");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 60_000,

            // Without the background-networking flags Chromium keeps trying hosts this closed network refuses.
            Args =
            [
                "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }
}
