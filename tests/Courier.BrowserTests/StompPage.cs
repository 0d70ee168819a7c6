namespace Courier.BrowserTests;

/// <summary>The page with @stomp/stompjs (web/stomp.html), found or explained: a missing bundle fails the test with what to install.</summary>
internal static class StompPage
{
    public static string Url()
    {
        var root = BrowserEnvironment.WebRoot();
        var bundle = Path.Combine(root, "node_modules", "@stomp", "stompjs", "bundles", "stomp.umd.min.js");
        Assert.True(
            File.Exists(bundle),
            $"stomp.js's browser bundle is missing ({bundle}): run `npm ci --prefix {root}` (.ci/run does)");
        return new Uri(Path.Combine(root, "stomp.html")).AbsoluteUri;
    }
}
