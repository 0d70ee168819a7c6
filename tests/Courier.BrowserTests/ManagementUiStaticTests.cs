using System.Net;
using System.Text;
using Courier.IntegrationTests.Infrastructure;
using Courier.Management.Ui;

namespace Courier.BrowserTests;

/// <summary>
/// The UI's files are served without credentials and hold nothing about the broker; the API they
/// call still wants a login.
/// </summary>
public sealed class ManagementUiStaticTests
{
    [Fact]
    public async Task The_ui_files_need_no_login_and_reveal_nothing_while_the_api_still_answers_401()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.Users.AddOrReplace("secret-operator", "s3cret-password", "administrator");
        await using (var client = await broker.ConnectAsync())
        await using (var channel = await client.CreateChannelAsync())
        {
            await channel.QueueDeclareAsync("payroll.private", durable: false, exclusive: false, autoDelete: false);
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.Host.EndPointOf("http").Port}/"), Timeout = TimeSpan.FromSeconds(30) };

        using (var api = await http.GetAsync("api/overview"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Equal("Basic", api.Headers.WwwAuthenticate.Single().Scheme);
        }

        // The UI's own calls get no challenge, so the browser does not open its password dialog.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/queues"))
        {
            request.Headers.Add("X-Requested-With", "XMLHttpRequest");
            using var api = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
            Assert.Empty(api.Headers.WwwAuthenticate);
        }

        var paths = ManagementUi.Paths.ToList();
        Assert.Contains("/index.html", paths);
        Assert.True(paths.Count >= 5, "the UI's scripts and style sheet are embedded: " + string.Join(", ", paths));
        var secrets = new[] { "payroll.private", "secret-operator", "s3cret-password", "courier@" + Environment.MachineName, Courier.Server.Hosting.CourierHost.Version };
        foreach (var path in paths.Prepend("/"))
        {
            using var response = await http.GetAsync(path.TrimStart('/'));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var text = await response.Content.ReadAsStringAsync();
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
            }

            // Nothing is fetched from elsewhere: no absolute URL to another host.
            Assert.DoesNotContain("https://", text, StringComparison.Ordinal);
            Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        }

        using (var index = await http.GetAsync(string.Empty))
        {
            Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
            Assert.Contains("<script src=\"core.js\"></script>", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Only the UI's files: anything else outside /api is the API's JSON 404, and the files take GET and HEAD only.
        using (var missing = await http.GetAsync("secrets.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "app.css")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }

        using (var post = await http.PostAsync("index.html", new StringContent("{}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        }
    }
}
