using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Tls;

/// <summary>The management API over TLS (15671's twin of 15672), with an HttpClient that trusts only the test CA.</summary>
public sealed class HttpsTests
{
    [Fact]
    public async Task The_management_API_answers_over_TLS_with_basic_auth()
    {
        using var ca = new TestCertificateAuthority();
        await using var broker = await TlsClients.StartAsync(ca.IssueServer());
        var port = broker.Host.EndPointOf("https").Port;

        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => ca.Trusts(certificate) };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://localhost:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("guest:guest")));

        using var response = await http.GetAsync("api/whoami");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("guest", body.RootElement.GetProperty("name").GetString());

        using var anonymous = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => ca.Trusts(certificate) }) { BaseAddress = http.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("api/whoami")).StatusCode);
    }
}
