using System.Collections;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Courier.Server.Hosting;

/// <summary>A configuration Courier cannot run with: an unknown option or setting, or a bad value.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// What the <c>courier</c> executable accepts: the flags of <see cref="CourierHost.SwitchMappings"/>,
/// <c>--config FILE</c>, a setting by its key (<c>--Broker:MaxMessageSize 1000</c>), <c>--help</c> and
/// <c>--version</c>. Anything else — a misspelt flag, a key no setting has, in a flag, in
/// <c>courier.json</c> or in a <c>COURIER__</c> variable — is refused at start rather than ignored.
/// </summary>
public static class ServerCommandLine
{
    /// <summary>One line for each flag of <see cref="CourierHost.SwitchMappings"/>, shown by <c>--help</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--data-dir"] = "where durable state is kept (default ./data)",
        ["--log-level"] = "least severe level logged: Trace, Debug, Information (default), Warning, Error, Critical, None",
        ["--log-file"] = "also append the log to this file (default: console only)",
        ["--amqp-address"] = "address of the AMQP 0-9-1 listener (default 0.0.0.0)",
        ["--amqp-port"] = "port of the AMQP 0-9-1 listener (default 5672; 0 lets the OS choose)",
        ["--amqp-frame-max"] = "largest AMQP frame offered in connection.tune (default 131072)",
        ["--amqp-channel-max"] = "most channels per AMQP connection (default 2047)",
        ["--amqp-heartbeat"] = "AMQP heartbeat offered, in seconds (default 60; 0 turns it off)",
        ["--mqtt-address"] = "address of the MQTT listener (default 0.0.0.0)",
        ["--mqtt-port"] = "port of the MQTT listener (default 1883; 0 lets the OS choose)",
        ["--mqtt-allow-anonymous"] = "a CONNECT without a username logs in as the default user (default true)",
        ["--mqtt-max-packet-size"] = "largest MQTT packet a client may send, in bytes (default 268435456)",
        ["--mqtt-prefetch"] = "unacknowledged QoS 1/2 deliveries per MQTT connection (default 64)",
        ["--mqtt-topic-alias-maximum"] = "topic aliases an MQTT 5 client may set on its publishes (default 16; 0 turns them off)",
        ["--mqtt-max-keepalive"] = "longest MQTT keep-alive a client may use, in seconds (default 0: no limit)",
        ["--mqtt-max-session-expiry"] = "longest a persistent MQTT session outlives its connection, in seconds (default 86400)",
        ["--mqtt-ws-address"] = "address of the MQTT-over-WebSockets listener (default 0.0.0.0)",
        ["--mqtt-ws-port"] = "port of the MQTT-over-WebSockets listener (default 15675; 0 lets the OS choose)",
        ["--mqtt-ws-path"] = "request path of the MQTT WebSocket upgrade (default /ws)",
        ["--stomp-address"] = "address of the STOMP listener (default 0.0.0.0)",
        ["--stomp-port"] = "port of the STOMP listener (default 61613; 0 lets the OS choose)",
        ["--stomp-allow-anonymous"] = "a STOMP CONNECT without a login logs in as the default user (default true)",
        ["--stomp-ws-address"] = "address of the STOMP-over-WebSockets listener (default 0.0.0.0)",
        ["--stomp-ws-port"] = "port of the STOMP-over-WebSockets listener (default 15674; 0 lets the OS choose)",
        ["--stomp-ws-path"] = "request path of the STOMP WebSocket upgrade (default /ws)",
        ["--max-message-size"] = "largest message body accepted, in bytes (default 134217728)",
        ["--commit-policy"] = "when the journal syncs: always (before confirming, default), batch or never",
        ["--memory-high-watermark"] = "memory for message bodies before publishers are blocked: a fraction (default 0.4) or bytes",
        ["--disk-free-limit"] = "free bytes the data directory's disk must keep (default 50000000; 0 turns it off)",
        ["--queue-ready-in-memory"] = "ready messages a queue keeps in memory before paging transient arrivals (default 65536)",
        ["--http-address"] = "address of the management HTTP API's listener (default 0.0.0.0)",
        ["--http-port"] = "port of the management HTTP API's listener (default 15672; 0 lets the OS choose)",
        ["--collect-statistics-interval"] = "milliseconds between the management API's samples of message rates (default 5000, as RabbitMQ's collect_statistics_interval)",
        ["--http-enabled"] = "false turns the management API off: its HTTP and HTTPS listeners and the rate sampler (default true)",
        ["--prometheus-enabled"] = "false turns the Prometheus listener off (default true)",
        ["--prometheus-address"] = "address of the Prometheus metrics' listener (default 0.0.0.0)",
        ["--prometheus-port"] = "port of the Prometheus metrics (/metrics; default 15692; 0 lets the OS choose)",
        ["--tls-cert"] = "PEM file of the server certificate (then its intermediates); turns the TLS listeners on",
        ["--tls-key"] = "PEM file of the server certificate's private key (unencrypted)",
        ["--tls-ca"] = "PEM file of the authorities client certificates must chain to (with --tls-verify peer)",
        ["--tls-verify"] = "none (default) or peer: ask TLS clients for a certificate and verify it against --tls-ca",
        ["--tls-fail-if-no-peer-cert"] = "with --tls-verify peer, refuse TLS clients that send no certificate (default false)",
        ["--amqps-address"] = "address of the AMQPS (AMQP over TLS) listener (default 0.0.0.0)",
        ["--amqps-port"] = "port of the AMQPS listener, open only with --tls-cert (default 5671; 0 lets the OS choose)",
        ["--mqtts-address"] = "address of the MQTT-over-TLS listener (default 0.0.0.0)",
        ["--mqtts-port"] = "port of the MQTT-over-TLS listener, open only with --tls-cert (default 8883; 0 lets the OS choose)",
        ["--mqtt-wss-address"] = "address of the MQTT-over-secure-WebSockets listener (default 0.0.0.0)",
        ["--mqtt-wss-port"] = "port of the MQTT-over-secure-WebSockets listener, open only with --tls-cert (default 15676; 0 lets the OS choose)",
        ["--https-address"] = "address of the management API's HTTPS listener (default 0.0.0.0)",
        ["--https-port"] = "port of the management API over TLS, open only with --tls-cert (default 15671; 0 lets the OS choose)",
        ["--stomps-address"] = "address of the STOMP-over-TLS listener (default 0.0.0.0)",
        ["--stomps-port"] = "port of the STOMP-over-TLS listener, open only with --tls-cert (default 61614; 0 lets the OS choose)",
        ["--stomp-wss-address"] = "address of the STOMP-over-secure-WebSockets listener (default 0.0.0.0)",
        ["--stomp-wss-port"] = "port of the STOMP-over-secure-WebSockets listener, open only with --tls-cert (default 15673; 0 lets the OS choose)",
        ["--mqtt-ssl-cert-login"] = "an MQTT CONNECT without a username logs in as its verified client certificate's CN (default false)",
        ["--max-connections"] = "client connections the node keeps open at once, all protocols together (default 0: no limit)",
        ["--max-connection-rate"] = "new client connections the node accepts per second, all protocols together; past it they are refused (default 0: no limit)",
        ["--socket-inline-completions"] = "socket completions run on the runtime's epoll threads, not handed to the thread pool (default true)",
        ["--queue-head-bytes"] = "body bytes a queue's in-memory head holds before its backlog waits in the journal (default 8388608; 0: count only)",
    };

    /// <summary>What a command line asks for before any broker is built.</summary>
    public enum Request
    {
        Run,
        Help,
        Version,
    }

    /// <summary>Reads <paramref name="args"/>: help, version, or a run (whose flags <see cref="Validate"/> checks).</summary>
    public static Request Classify(string[] args)
    {
        foreach (var arg in args)
        {
            if (arg is "--help" or "-h" or "-?")
            {
                return Request.Help;
            }

            if (arg is "--version")
            {
                return Request.Version;
            }
        }

        return Request.Run;
    }

    /// <summary>The text of <c>courier --help</c>.</summary>
    public static string Help()
    {
        var text = new StringBuilder();
        text.AppendLine($"courier {CourierHost.Version}: a message broker (AMQP 0-9-1, MQTT 3.1, 3.1.1 and 5.0).");
        text.AppendLine();
        text.AppendLine("usage: courier [--config FILE] [--flag value]...");
        text.AppendLine();
        text.AppendLine("Settings come from courier.json (or --config FILE), then COURIER__Section__Key environment");
        text.AppendLine("variables, then flags; any setting can also be given by its key, e.g. --Broker:DefaultUser admin.");
        text.AppendLine("See docs/configuration.md.");
        text.AppendLine();
        var width = CourierHost.SwitchMappings.Keys.Max(k => k.Length) + 8;
        text.AppendLine("  --config FILE".PadRight(width + 2) + "the configuration file (default ./courier.json)");
        foreach (var (flag, key) in CourierHost.SwitchMappings.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var description = Descriptions.TryGetValue(flag, out var d) ? d : "sets " + key;
            text.AppendLine($"  {flag} V".PadRight(width + 2) + description);
        }

        text.AppendLine("  --help".PadRight(width + 2) + "print this and exit");
        text.AppendLine("  --version".PadRight(width + 2) + "print the version and exit");
        return text.ToString();
    }

    /// <summary>
    /// Checks the shape of the command line: every flag is known and has a value. Returns null, or
    /// what is wrong in one line.
    /// </summary>
    public static string? Validate(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return $"unexpected argument '{arg}': options are --flag value pairs (courier --help lists them)";
            }

            var name = arg.Split('=', 2)[0];
            var known = name == "--config"
                || CourierHost.SwitchMappings.ContainsKey(name)
                || (name.Contains(':', StringComparison.Ordinal) && IsSettingKey(name[2..]));
            if (!known)
            {
                return $"unknown option '{name}'{Suggestion(name)}; valid options: --config, "
                    + string.Join(", ", CourierHost.SwitchMappings.Keys.Order(StringComparer.Ordinal)) + ", --help, --version";
            }

            if (!arg.Contains('=', StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length)
                {
                    return $"option '{name}' needs a value";
                }

                i++;
            }
        }

        return null;
    }

    /// <summary>Every key the sources of <paramref name="configuration"/> set names a setting of <see cref="ServerOptions"/>; null, or the first that does not.</summary>
    public static string? ValidateKeys(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && !IsSettingKey(key))
            {
                return $"unknown setting '{key}' (from courier.json, a COURIER__ environment variable or a flag); see docs/configuration.md";
            }
        }

        return null;
    }

    /// <summary>Whether <paramref name="key"/> (<c>Section:Key</c>, any case) is a setting, or an element of a list setting.</summary>
    public static bool IsSettingKey(string key)
    {
        var type = typeof(ServerOptions);
        foreach (var part in key.Split(':'))
        {
            if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
            {
                if (!int.TryParse(part, out _))
                {
                    return false;
                }

                type = type.IsGenericType ? type.GetGenericArguments()[0] : typeof(object);
                continue;
            }

            var property = type.GetProperty(part, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || property.SetMethod is null || !property.SetMethod.IsPublic)
            {
                return false;
            }

            type = property.PropertyType;
        }

        return true;
    }

    private static string Suggestion(string name)
    {
        var closest = CourierHost.SwitchMappings.Keys
            .Select(k => (Flag: k, Distance: Distance(k, name)))
            .OrderBy(p => p.Distance)
            .First();
        return closest.Distance <= 3 ? $" (did you mean {closest.Flag}?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
