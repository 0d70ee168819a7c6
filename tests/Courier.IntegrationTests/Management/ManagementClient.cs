using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Management;

/// <summary>An HttpClient on a test node's management listener, logged in as one user, over a real socket.</summary>
public sealed class ManagementClient : IDisposable
{
    private readonly HttpClient _http;

    public ManagementClient(TestBroker broker, string? user = "guest", string password = "guest")
    {
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{broker.Host.EndPointOf("http").Port}/"), Timeout = TimeSpan.FromSeconds(30) };
        if (user is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        }
    }

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            var text = body as string ?? System.Text.Json.JsonSerializer.Serialize(body);
            request.Content = new StringContent(text, Encoding.UTF8, "application/json");
        }

        configure?.Invoke(request);
        return _http.SendAsync(request);
    }

    /// <summary>Sends and checks the status; returns the parsed JSON body (null when empty).</summary>
    public async Task<JsonNode?> ExpectAsync(HttpStatusCode status, HttpMethod method, string path, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var response = await SendAsync(method, path, body, configure);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{method} {path}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public async Task<JsonNode> GetAsync(string path) => (await ExpectAsync(HttpStatusCode.OK, HttpMethod.Get, path))!;

    public Task PutAsync(string path, object body, HttpStatusCode status = HttpStatusCode.Created) => ExpectAsync(status, HttpMethod.Put, path, body);

    public Task DeleteAsync(string path, HttpStatusCode status = HttpStatusCode.NoContent) => ExpectAsync(status, HttpMethod.Delete, path);

    public async Task<JsonNode> PostAsync(string path, object body, HttpStatusCode status = HttpStatusCode.OK) => (await ExpectAsync(status, HttpMethod.Post, path, body))!;

    /// <summary>Checks a refusal's status and RabbitMQ's error shape; returns the reason.</summary>
    public async Task<string> RefusedAsync(HttpStatusCode status, HttpMethod method, string path, object? body = null)
    {
        var json = await ExpectAsync(status, method, path, body);
        Assert.NotNull(json?["error"]);
        return json!["reason"]!.GetValue<string>();
    }

    /// <summary>Reads <paramref name="path"/> until <paramref name="condition"/> holds (counts a moment behind a client's acks), failing after <see cref="Wait.DefaultTimeout"/>.</summary>
    public async Task<JsonNode> GetUntilAsync(string path, Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Wait.DefaultTimeout;
        while (true)
        {
            var item = await GetAsync(path);
            if (condition(item))
            {
                return item;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(20);
        }
    }

    public void Dispose() => _http.Dispose();
}
