using System.CommandLine;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary>
/// The options every command takes (recursive on the root): where the API is, who logs in, which
/// vhost, and whether to print JSON. Each falls back to an environment variable, then to RabbitMQ's
/// defaults (http://localhost:15672, guest/guest, <c>/</c>).
/// </summary>
internal sealed class GlobalOptions
{
    public GlobalOptions(IReadOnlyDictionary<string, string?> environment)
    {
        Url = new Option<string>("--url")
        {
            Description = "The management API's base URL [env COURIER_URL]",
            Recursive = true,
            DefaultValueFactory = _ => Env(environment, "COURIER_URL") ?? "http://localhost:15672",
        };
        User = new Option<string>("--user", "-u")
        {
            Description = "User to log in as [env COURIER_USER]",
            Recursive = true,
            DefaultValueFactory = _ => Env(environment, "COURIER_USER") ?? "guest",
        };
        Password = new Option<string>("--password", "-p")
        {
            Description = "Password [env COURIER_PASSWORD]",
            Recursive = true,
            DefaultValueFactory = _ => Env(environment, "COURIER_PASSWORD") ?? "guest",
        };
        VirtualHost = new Option<string>("--vhost", "-V")
        {
            Description = "Virtual host of the objects a command names or lists [env COURIER_VHOST]",
            Recursive = true,
            DefaultValueFactory = _ => Env(environment, "COURIER_VHOST") ?? "/",
        };
        Json = new Option<bool>("--json") { Description = "Print the API's JSON instead of a table", Recursive = true };
        CaCertificate = new Option<FileInfo?>("--ca-cert") { Description = "PEM file of the CA that signed the API's HTTPS certificate", Recursive = true };
        Insecure = new Option<bool>("--insecure", "-k") { Description = "Accept any HTTPS certificate (testing only)", Recursive = true };
    }

    public Option<string> Url { get; }

    public Option<string> User { get; }

    public Option<string> Password { get; }

    public Option<string> VirtualHost { get; }

    public Option<bool> Json { get; }

    public Option<FileInfo?> CaCertificate { get; }

    public Option<bool> Insecure { get; }

    public IEnumerable<Option> All => [Url, User, Password, VirtualHost, Json, CaCertificate, Insecure];

    public ConnectionSettings SettingsFrom(ParseResult parse) => new()
    {
        BaseUrl = Uri.TryCreate(parse.GetRequiredValue(Url), UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageError($"--url must be an http:// or https:// URL, got {parse.GetRequiredValue(Url)}"),
        User = parse.GetRequiredValue(User),
        Password = parse.GetRequiredValue(Password),
        VirtualHost = parse.GetRequiredValue(VirtualHost),
        CaCertificateFile = parse.GetValue(CaCertificate)?.FullName,
        Insecure = parse.GetValue(Insecure),
    };

    private static string? Env(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out string? value) && !string.IsNullOrEmpty(value) ? value : null;
}
