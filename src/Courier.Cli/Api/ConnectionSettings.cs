namespace Courier.Cli.Api;

/// <summary>Where the management API is and how to log in to it: what every command's global options say.</summary>
internal sealed record ConnectionSettings
{
    public required Uri BaseUrl { get; init; }

    public required string User { get; init; }

    public required string Password { get; init; }

    public required string VirtualHost { get; init; }

    /// <summary>A PEM file of the CA to trust for HTTPS instead of the system's store.</summary>
    public string? CaCertificateFile { get; init; }

    /// <summary>Accept any server certificate (testing only).</summary>
    public bool Insecure { get; init; }

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
}
