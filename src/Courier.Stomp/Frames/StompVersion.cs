namespace Courier.Stomp.Frames;

/// <summary>The protocol versions Courier speaks; the order is the order of preference, highest last.</summary>
public enum StompVersion
{
    V10,
    V11,
    V12,
}

/// <summary>Version names as the <c>accept-version</c> and <c>version</c> headers write them, and the negotiation between them.</summary>
public static class StompVersions
{
    /// <summary>What an ERROR frame's <c>version</c> header lists when no version is common (1.2 "Protocol Negotiation").</summary>
    public const string Supported = "1.0,1.1,1.2";

    public static string ToHeaderValue(this StompVersion version) => version switch
    {
        StompVersion.V10 => "1.0",
        StompVersion.V11 => "1.1",
        StompVersion.V12 => "1.2",
        _ => throw new ArgumentOutOfRangeException(nameof(version)),
    };

    /// <summary>
    /// The highest version both sides speak, from a CONNECT's <c>accept-version</c> header: a missing
    /// header means 1.0 only; versions Courier does not know (2.0, say) are ignored; null when nothing
    /// is common, which the server answers with an ERROR frame carrying <see cref="Supported"/>.
    /// </summary>
    public static StompVersion? Negotiate(string? acceptVersion)
    {
        if (acceptVersion is null)
        {
            return StompVersion.V10;
        }

        StompVersion? best = null;
        foreach (var range in acceptVersion.AsSpan().Split(','))
        {
            StompVersion? offered = acceptVersion.AsSpan()[range].Trim() switch
            {
                "1.0" => StompVersion.V10,
                "1.1" => StompVersion.V11,
                "1.2" => StompVersion.V12,
                _ => null,
            };
            if (offered is { } version && (best is null || version > best))
            {
                best = version;
            }
        }

        return best;
    }
}
