using System.Collections.Frozen;
using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace Courier.Management.Ui;

/// <summary>
/// The management web UI: static files embedded in this assembly (<c>Ui/www</c>), served without
/// credentials on the management listener outside <c>/api</c>. They hold no data: the page logs in
/// and calls the API with basic auth like any other client.
/// </summary>
public static class ManagementUi
{
    private const string ResourcePrefix = "ui/";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>The paths served (<c>/</c> is <c>/index.html</c>).</summary>
    public static IEnumerable<string> Paths => Assets.Keys;

    /// <summary>True when <paramref name="http"/> asks for a file of the UI (GET or HEAD); the answer is then written.</summary>
    public static bool TryServe(HttpContext http, out Task served)
    {
        served = Task.CompletedTask;
        var method = http.Request.Method;
        var path = http.Request.Path.Value ?? "/";
        if ((method != "GET" && method != "HEAD") || !Assets.TryGetValue(path == "/" ? "/index.html" : path, out var asset))
        {
            return false;
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        var headers = response.Headers;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";

        // Nothing comes from elsewhere: scripts, styles, images and API calls are this origin's only.
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        if (method == "GET")
        {
            served = response.Body.WriteAsync(asset.Content, http.RequestAborted).AsTask();
        }

        return true;
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(ManagementUi).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                assets["/" + name[ResourcePrefix.Length..]] = new Asset(Read(assembly, name), ContentTypeOf(name));
            }
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"the UI resource {name} is missing");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType);
}
