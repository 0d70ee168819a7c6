using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace Courier.Core.Security;

/// <summary>
/// A user's rights on the routing keys of one topic exchange in one vhost, as RabbitMQ's
/// <c>set_topic_permissions</c>: a write pattern (publishing with a routing key) and a read pattern
/// (binding with a binding key, subscribing to a filter), regular expressions searched (not
/// anchored) as the other permissions are. <c>{username}</c>, <c>{vhost}</c> and <c>{client_id}</c>
/// in a pattern are replaced by the caller's, escaped so that they match literally. An empty
/// pattern matches nothing.
/// </summary>
/// <remarks>
/// A pattern without variables is compiled once. One with variables is compiled per expansion and
/// kept (up to <see cref="MaxExpansions"/>, then the cache starts again), since a connection checks
/// every publish with the same values.
/// </remarks>
public sealed class TopicPermission
{
    private const int MaxExpansions = 1024;
    private readonly Regex? _write;
    private readonly Regex? _read;
    private readonly ConcurrentDictionary<string, Regex> _expanded = new(StringComparer.Ordinal);

    public TopicPermission(string exchange, string write, string read)
    {
        Exchange = exchange;
        Write = write;
        Read = read;
        _write = HasVariables(write) ? null : Compile(write);
        _read = HasVariables(read) ? null : Compile(read);
    }

    public string Exchange { get; }

    public string Write { get; }

    public string Read { get; }

    /// <summary>True when <paramref name="routingKey"/> matches the write (or read) pattern with the variables expanded.</summary>
    public bool Allows(AccessKind kind, string routingKey, in TopicVariables variables)
    {
        var pattern = kind == AccessKind.Write ? Write : Read;
        if (pattern.Length == 0)
        {
            return false;
        }

        var regex = kind == AccessKind.Write ? _write : _read;
        if (regex is null)
        {
            var expanded = variables.Expand(pattern);
            if (!_expanded.TryGetValue(expanded, out regex))
            {
                if (_expanded.Count >= MaxExpansions)
                {
                    _expanded.Clear();
                }

                regex = _expanded.GetOrAdd(expanded, Compile(expanded)!);
            }
        }

        return regex.IsMatch(routingKey);
    }

    private static bool HasVariables(string pattern) =>
        pattern.Contains("{username}", StringComparison.Ordinal) || pattern.Contains("{vhost}", StringComparison.Ordinal)
        || pattern.Contains("{client_id}", StringComparison.Ordinal);

    private static Regex? Compile(string pattern) => pattern.Length == 0 ? null : OperatorPattern.Compile(pattern);
}

/// <summary>The values a topic permission's variables expand to; a null one is left as written (AMQP has no client id).</summary>
public readonly record struct TopicVariables(string UserName, string VirtualHost, string? ClientId)
{
    public string Expand(string pattern)
    {
        var expanded = pattern
            .Replace("{username}", Regex.Escape(UserName), StringComparison.Ordinal)
            .Replace("{vhost}", Regex.Escape(VirtualHost), StringComparison.Ordinal);
        return ClientId is null ? expanded : expanded.Replace("{client_id}", Regex.Escape(ClientId), StringComparison.Ordinal);
    }
}
