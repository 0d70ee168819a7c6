using Courier.Core.Messages;

namespace Courier.Core.Queues;

/// <summary>
/// The queue types a broker can make, keyed by the name clients give in <c>x-queue-type</c>.
/// Declaring resolves the type here; recovery makes saved queues through it again.
/// </summary>
/// <remarks>
/// Names that RabbitMQ clients use for types Courier does not have yet (<c>quorum</c>,
/// <c>stream</c>) are refused with a message that says so and names what exists, rather than
/// being silently declared as a classic queue with other guarantees.
/// </remarks>
public sealed class QueueTypeRegistry
{
    /// <summary>The declare argument that names a queue's type.</summary>
    public const string Argument = "x-queue-type";

    private readonly Dictionary<string, IQueueType> _types = new(StringComparer.Ordinal);
    private readonly HashSet<string> _planned = new(StringComparer.Ordinal);

    /// <param name="types">The types that can be made; the first is the default, used when a declare names none.</param>
    /// <param name="planned">Type names recognised but not built yet.</param>
    public QueueTypeRegistry(IEnumerable<IQueueType> types, IEnumerable<string> planned)
    {
        foreach (var type in types)
        {
            DefaultType ??= type;
            _types.Add(type.Name, type);
        }

        ArgumentNullException.ThrowIfNull(DefaultType, nameof(types));
        _planned.UnionWith(planned);
        _planned.ExceptWith(_types.Keys);
        Supported = string.Join(", ", _types.Keys);
    }

    /// <summary>Classic queues, with quorum and stream recognised as not built yet.</summary>
    public static QueueTypeRegistry Default { get; } = new([ClassicQueueType.Instance], ["quorum", "stream"]);

    /// <summary>The type of a queue declared without <c>x-queue-type</c>.</summary>
    public IQueueType DefaultType { get; }

    /// <summary>The names of the types that can be made, comma-separated, for messages.</summary>
    public string Supported { get; }

    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IQueueType? type) =>
        _types.TryGetValue(name, out type);

    /// <summary>
    /// The type a declaration asks for. Refuses (precondition failed, as RabbitMQ does for an
    /// invalid argument) a value that is not a string, a type not built yet, and an unknown one.
    /// </summary>
    /// <param name="what">The queue, as messages name it: <c>queue 'q' in vhost '/'</c>.</param>
    public IQueueType Resolve(IReadOnlyDictionary<string, object?> arguments, string what)
    {
        if (!arguments.TryGetValue(Argument, out var value))
        {
            return DefaultType;
        }

        if (NameOf(value) is not { } name)
        {
            throw Invalid(what, FieldTable.IsMalformedText(value) ? FieldTable.NotUtf8 : "the queue type must be a string");
        }

        if (_types.TryGetValue(name, out var type))
        {
            return type;
        }

        throw Invalid(what, _planned.Contains(name)
            ? $"queue type '{name}' is not supported yet; supported: {Supported}"
            : $"unknown queue type '{name}'; supported: {Supported}");
    }

    /// <summary>The type name an <c>x-queue-type</c> value gives, or the default's when it is absent; null when it is not a string.</summary>
    public string? TypeNameOf(IReadOnlyDictionary<string, object?> arguments) =>
        arguments.TryGetValue(Argument, out var value) ? NameOf(value) : DefaultType.Name;

    // A field-table long string arrives as bytes; a definition built in code may hold a string.
    private static string? NameOf(object? value) => value switch
    {
        string text => text,
        byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? text : null,
        _ => null,
    };

    private static BrokerException Invalid(string what, string reason) => FieldTable.InvalidArgument(Argument, what, reason);
}
