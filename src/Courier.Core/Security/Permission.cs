using System.Text.RegularExpressions;

namespace Courier.Core.Security;

/// <summary>What a permission check is for, in RabbitMQ's three kinds.</summary>
public enum AccessKind
{
    /// <summary>Create or delete a queue or exchange.</summary>
    Configure,

    /// <summary>Publish to an exchange, or bind a queue (write on the queue).</summary>
    Write,

    /// <summary>Consume from or purge a queue, or bind from an exchange (read on the exchange).</summary>
    Read,
}

/// <summary>
/// A user's rights in one vhost: three regular expressions over resource names, searched (not
/// anchored) as RabbitMQ does. An empty pattern matches nothing.
/// </summary>
public sealed class Permission
{
    private readonly Regex? _configure;
    private readonly Regex? _write;
    private readonly Regex? _read;

    public Permission(string configure, string write, string read)
    {
        Configure = configure;
        Write = write;
        Read = read;
        _configure = Compile(configure);
        _write = Compile(write);
        _read = Compile(read);
    }

    public static Permission All { get; } = new(".*", ".*", ".*");

    public string Configure { get; }

    public string Write { get; }

    public string Read { get; }

    public bool Allows(AccessKind kind, string resource)
    {
        var regex = kind switch
        {
            AccessKind.Configure => _configure,
            AccessKind.Write => _write,
            _ => _read,
        };
        return regex is not null && regex.IsMatch(resource);
    }

    private static Regex? Compile(string pattern) => pattern.Length == 0 ? null : OperatorPattern.Compile(pattern);
}
