using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Courier.Server.WebSockets;

/// <summary>The answer to an upgrade request: 101 with the accept key and subprotocol, or an HTTP error status and why.</summary>
internal readonly record struct HandshakeDecision(int Status, string Reason, string? SubProtocol = null, string? AcceptKey = null)
{
    public bool Accepted => Status == 101;
}

/// <summary>
/// The opening handshake of RFC 6455 section 4.2 on the server side, parsed by hand from the
/// connection's first bytes: one HTTP/1.1 GET with <c>Upgrade: websocket</c>, nothing else of HTTP.
/// </summary>
/// <remarks>
/// The head is bounded (<see cref="WebSocketTransportOptions.MaxRequestHeadBytes"/>) before it is
/// copied anywhere; a request that is not an acceptable upgrade gets its status and a one-line
/// reason, and the connection closes. No extension is negotiated (permessage-deflate is refused by
/// not echoing it, as the RFC allows), and the Origin header is not checked: the protocol inside
/// authenticates the client itself, not the browser's cookies.
/// </remarks>
internal static class WebSocketHandshake
{
    private const string AcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static readonly byte[] s_headEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>Finds the blank line that ends the request head; <paramref name="headEnd"/> is the position after it.</summary>
    public static bool TryFindHeadEnd(in ReadOnlySequence<byte> buffer, out SequencePosition headEnd)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (reader.TryReadTo(out ReadOnlySequence<byte> _, s_headEnd, advancePastDelimiter: true))
        {
            headEnd = reader.Position;
            return true;
        }

        headEnd = default;
        return false;
    }

    /// <summary>Decides on the request head (without its blank line) whether to upgrade, and to which subprotocol.</summary>
    public static HandshakeDecision Decide(in ReadOnlySequence<byte> head, WebSocketTransportOptions options)
    {
        // Latin-1 keeps every byte a char, so a non-ASCII byte cannot hide a delimiter.
        var text = Encoding.Latin1.GetString(head);
        var lines = text.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3)
        {
            return new HandshakeDecision(400, "malformed request line");
        }

        if (requestLine[2] != "HTTP/1.1")
        {
            return new HandshakeDecision(400, "a WebSocket upgrade needs HTTP/1.1");
        }

        var target = requestLine[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? target : target[..query];
        if (!string.Equals(path, options.Path, StringComparison.Ordinal))
        {
            return new HandshakeDecision(404, $"no WebSocket endpoint at {path}; this listener serves {options.Path}");
        }

        if (requestLine[0] != "GET")
        {
            return new HandshakeDecision(405, "a WebSocket upgrade is a GET");
        }

        string? host = null, upgrade = null, connection = null, version = null, key = null;
        var offered = new List<string>();
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || line[0] is ' ' or '\t' || line[colon - 1] is ' ' or '\t')
            {
                return new HandshakeDecision(400, "malformed header line");
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(' ', '\t');
            switch (name.ToUpperInvariant())
            {
                case "HOST": host = value; break;
                case "UPGRADE": upgrade = Join(upgrade, value); break;
                case "CONNECTION": connection = Join(connection, value); break;
                case "SEC-WEBSOCKET-VERSION": version = value; break;
                case "SEC-WEBSOCKET-KEY": key = value; break;
                case "SEC-WEBSOCKET-PROTOCOL": AddTokens(offered, value); break;
            }
        }

        if (!HasToken(upgrade, "websocket") || !HasToken(connection, "upgrade"))
        {
            return new HandshakeDecision(400, "not a WebSocket upgrade: it needs 'Upgrade: websocket' and 'Connection: Upgrade'");
        }

        if (host is null)
        {
            return new HandshakeDecision(400, "no Host header");
        }

        if (version != "13")
        {
            return new HandshakeDecision(426, "only WebSocket version 13 is spoken");
        }

        if (key is null || !IsValidKey(key))
        {
            return new HandshakeDecision(400, "Sec-WebSocket-Key must be 16 bytes in base64");
        }

        var chosen = Choose(offered, options.SubProtocols);
        if (chosen is null && offered.Count == 0 && options.SubProtocolOptional)
        {
            // No Sec-WebSocket-Protocol at all, where the protocol allows it (STOMP, as RabbitMQ's Web STOMP): none is named back.
            return new HandshakeDecision(101, "Switching Protocols", string.Empty, AcceptKeyFor(key));
        }

        if (chosen is null)
        {
            return new HandshakeDecision(400, $"no supported subprotocol offered; this endpoint speaks {string.Join(", ", options.SubProtocols)}");
        }

        return new HandshakeDecision(101, "Switching Protocols", chosen, AcceptKeyFor(key));
    }

    /// <summary>Writes the 101 response, or the error response with its reason as a text body.</summary>
    public static void WriteResponse(IBufferWriter<byte> output, HandshakeDecision decision)
    {
        var response = new StringBuilder(256);
        if (decision.Accepted)
        {
            response.Append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .Append("Sec-WebSocket-Accept: ").Append(decision.AcceptKey).Append("\r\n");
            if (decision.SubProtocol is { Length: > 0 })
            {
                response.Append("Sec-WebSocket-Protocol: ").Append(decision.SubProtocol).Append("\r\n");
            }

            response.Append("\r\n");
        }
        else
        {
            var body = decision.Reason + "\n";
            response.Append("HTTP/1.1 ").Append(decision.Status).Append(' ').Append(ReasonPhrase(decision.Status)).Append("\r\n");
            if (decision.Status == 426)
            {
                response.Append("Sec-WebSocket-Version: 13\r\n");
            }
            else if (decision.Status == 405)
            {
                response.Append("Allow: GET\r\n");
            }

            response.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Length: ").Append(Encoding.UTF8.GetByteCount(body))
                .Append("\r\nConnection: close\r\n\r\n").Append(body);
        }

        var text = response.ToString();
        var bytes = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, bytes));
    }

    /// <summary>The Sec-WebSocket-Accept value for a client's key (RFC 6455 section 4.2.2).</summary>
    public static string AcceptKeyFor(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + AcceptGuid)));

    private static string? Choose(List<string> offered, IReadOnlyList<string> supported)
    {
        // The client lists its preference first; the first one the protocol speaks wins.
        foreach (var candidate in offered)
        {
            foreach (var known in supported)
            {
                if (string.Equals(candidate, known, StringComparison.Ordinal))
                {
                    return known;
                }
            }
        }

        return null;
    }

    private static bool IsValidKey(string key)
    {
        Span<byte> decoded = stackalloc byte[24];
        return Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    private static string Join(string? first, string value) => first is null ? value : first + "," + value;

    private static void AddTokens(List<string> tokens, string value)
    {
        foreach (var token in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            tokens.Add(token);
        }
    }

    private static bool HasToken(string? value, string token)
    {
        if (value is null)
        {
            return false;
        }

        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (string.Equals(part, token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static string ReasonPhrase(int status) => status switch
    {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    };
}
