using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Courier.Cli.Api;

/// <summary>
/// The HTTP client courierctl talks through: basic auth, RabbitMQ's error JSON turned into
/// <see cref="ApiError"/>, and path segments percent-encoded (a vhost <c>/</c> is <c>%2F</c>).
/// </summary>
internal sealed class ManagementApiClient : IDisposable
{
    private readonly HttpClient _http;

    public ManagementApiClient(ConnectionSettings settings)
    {
        Settings = settings;
        var handler = new SocketsHttpHandler();
        if (settings.Insecure)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (settings.CaCertificateFile is { } caFile)
        {
            var trusted = new X509Certificate2Collection();
            trusted.ImportFromPemFile(caFile);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(trusted, certificate, errors);
        }

        var baseUrl = settings.BaseUrl.AbsoluteUri.EndsWith('/') ? settings.BaseUrl : new Uri(settings.BaseUrl.AbsoluteUri + "/");
        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = settings.Timeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.User}:{settings.Password}")));
    }

    public ConnectionSettings Settings { get; }

    /// <summary>The global <c>--vhost</c>, encoded for a path.</summary>
    public string VirtualHostSegment => Segment(Settings.VirtualHost);

    /// <summary>Percent-encodes one path segment (including <c>/</c>).</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Get, path, body: null, cancellationToken) ?? throw new ApiError(HttpStatusCode.OK, "the API answered with an empty body");

    /// <summary>Sends a request; returns the parsed body (null when empty) or throws <see cref="ApiError"/> for any status but 2xx.</summary>
    public async Task<JsonNode?> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken, string? reason = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (reason is not null)
        {
            request.Headers.Add("X-Reason", reason);
        }

        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiError(response.StatusCode, ReasonOf(response, text));
        }

        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>Sends a raw JSON text (a definitions file) as it is.</summary>
    public async Task<JsonNode?> PostTextAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
        string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new ApiError(response.StatusCode, ReasonOf(response, text));
        }

        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    public void Dispose() => _http.Dispose();

    private static string ReasonOf(HttpResponseMessage response, string text)
    {
        try
        {
            if (JsonNode.Parse(text) is JsonObject error)
            {
                string? reason = error["reason"]?.ToString() ?? error["error"]?.ToString();
                if (!string.IsNullOrEmpty(reason))
                {
                    return reason;
                }
            }
        }
        catch (JsonException)
        {
        }

        return string.IsNullOrWhiteSpace(text) ? response.ReasonPhrase ?? response.StatusCode.ToString() : text.Trim();
    }

    private static bool TrustedBy(X509Certificate2Collection trusted, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
