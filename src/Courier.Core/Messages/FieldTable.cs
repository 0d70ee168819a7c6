using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Courier.Core.Messages;

/// <summary>
/// Tables of named values (message headers, annotations, queue and binding arguments) are plain
/// read-only dictionaries of typed values. The neutral value types, and nothing else, are:
/// <list type="bullet">
/// <item>null;</item>
/// <item><see cref="bool"/>;</item>
/// <item>integers of every width, signed and unsigned: <see cref="sbyte"/>, <see cref="byte"/>,
/// <see cref="short"/>, <see cref="ushort"/>, <see cref="int"/>, <see cref="uint"/>, <see cref="long"/>, <see cref="ulong"/>;</item>
/// <item><see cref="float"/>, <see cref="double"/>, <see cref="decimal"/>;</item>
/// <item><see cref="string"/> (text), <c>byte[]</c> (bytes whose encoding the publisher chose, such
/// as AMQP's long strings), <see cref="BinaryValue"/> (bytes marked binary);</item>
/// <item><see cref="Timestamp"/>;</item>
/// <item>a nested table (<c>IReadOnlyDictionary&lt;string, object?&gt;</c>) or a list
/// (<c>IReadOnlyList&lt;object?&gt;</c>) of values.</item>
/// </list>
/// Each protocol maps these to its own types (docs/protocol-mapping.md) and the store keeps every
/// one exactly, type included.
/// </summary>
public static class FieldTable
{
    public static readonly IReadOnlyDictionary<string, object?> Empty = FrozenDictionary<string, object?>.Empty;

    /// <summary>
    /// What an argument refusal says of long-string bytes that are not well-formed UTF-8
    /// (<c>invalid arg 'x-dead-letter-exchange' for queue 'q' in vhost '/': the value is not well-formed UTF-8</c>).
    /// </summary>
    public const string NotUtf8 = "the value is not well-formed UTF-8";

    /// <summary>
    /// Reads a value that may be a string or long-string bytes as text; null when it is absent, not
    /// text, or bytes that are not well-formed UTF-8 (<see cref="StrictUtf8"/>: never rewritten, so
    /// such a value matches no name).
    /// </summary>
    public static string? GetString(IReadOnlyDictionary<string, object?>? table, string key) =>
        table is not null && table.TryGetValue(key, out var value) && TryGetText(value, out var text) ? text : null;

    /// <summary>The text a string or long-string value holds; false for any other type and for bytes that are not well-formed UTF-8.</summary>
    public static bool TryGetText(object? value, [NotNullWhen(true)] out string? text)
    {
        switch (value)
        {
            case string s:
                text = s;
                return true;
            case byte[] b:
                return StrictUtf8.TryDecode(b, out text);
            case BinaryValue bv:
                return StrictUtf8.TryDecode(bv.Bytes, out text);
            default:
                text = null;
                return false;
        }
    }

    /// <summary>True for long-string bytes that are not well-formed UTF-8: text the broker refuses to interpret.</summary>
    public static bool IsMalformedText(object? value) => value switch
    {
        byte[] b => !System.Text.Unicode.Utf8.IsValid(b),
        BinaryValue bv => !System.Text.Unicode.Utf8.IsValid(bv.Bytes),
        _ => false,
    };

    /// <summary>
    /// A declare or bind argument whose text becomes a name or a behaviour: its text, or null when it
    /// is absent or not text.
    /// </summary>
    /// <exception cref="BrokerException">PreconditionFailed when its bytes are not well-formed UTF-8, as RabbitMQ refuses an argument it cannot accept.</exception>
    public static string? GetArgumentText(IReadOnlyDictionary<string, object?>? arguments, string key, string what)
    {
        if (arguments is null || !arguments.TryGetValue(key, out var value))
        {
            return null;
        }

        return TryGetText(value, out var text) ? text
            : IsMalformedText(value) ? throw InvalidArgument(key, what, NotUtf8)
            : null;
    }

    /// <summary>RabbitMQ's refusal of a declare argument: <c>invalid arg 'KEY' for WHAT: REASON</c>, 406 PRECONDITION_FAILED.</summary>
    public static BrokerException InvalidArgument(string key, string what, string reason) =>
        BrokerException.PreconditionFailed($"invalid arg '{key}' for {what}: {reason}");

    /// <summary>Reads an integer-valued entry of any integer width.</summary>
    public static bool TryGetInt64(IReadOnlyDictionary<string, object?>? table, string key, out long result)
    {
        result = 0;
        return table is not null && table.TryGetValue(key, out var value) && TryGetInteger(value, out result);
    }

    /// <summary>
    /// Equality as RabbitMQ judges header values and declare arguments: integers are equal by value
    /// whatever their width, and so are float and double, because clients choose widths differently
    /// (RabbitMQ.Client sends an int, a Java Long arrives as a long). Anything else as <see cref="ValueEquals"/>.
    /// </summary>
    public static bool ValueEquivalent(object? a, object? b)
    {
        if (TryGetInteger(a, out var ia) && TryGetInteger(b, out var ib))
        {
            return ia == ib;
        }

        if (a is float or double && b is float or double)
        {
            return (a is float fa ? fa : (double)a) == (b is float fb ? fb : (double)b);
        }

        return ValueEquals(a, b);
    }

    private static bool TryGetInteger(object? value, out long result)
    {
        switch (value)
        {
            case sbyte v: result = v; return true;
            case byte v: result = v; return true;
            case short v: result = v; return true;
            case ushort v: result = v; return true;
            case int v: result = v; return true;
            case uint v: result = v; return true;
            case long v: result = v; return true;
            case ulong v when v <= long.MaxValue: result = (long)v; return true;
            default: result = 0; return false;
        }
    }

    /// <summary>Structural equality of two values as tables carry them (used by equivalence checks and tests).</summary>
    public static bool ValueEquals(object? a, object? b)
    {
        switch (a)
        {
            case null:
                return b is null;
            case byte[] ba:
                return b is byte[] bb && ba.AsSpan().SequenceEqual(bb);
            case BinaryValue va:
                return b is BinaryValue vb && va.Bytes.AsSpan().SequenceEqual(vb.Bytes);
            case IReadOnlyDictionary<string, object?> ta:
                return b is IReadOnlyDictionary<string, object?> tb && TableEquals(ta, tb);
            case IReadOnlyList<object?> la:
                if (b is not IReadOnlyList<object?> lb || la.Count != lb.Count)
                {
                    return false;
                }

                for (var i = 0; i < la.Count; i++)
                {
                    if (!ValueEquals(la[i], lb[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return a.Equals(b);
        }
    }

    public static bool TableEquals(IReadOnlyDictionary<string, object?>? a, IReadOnlyDictionary<string, object?>? b)
    {
        a ??= Empty;
        b ??= Empty;
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || !ValueEquals(value, other))
            {
                return false;
            }
        }

        return true;
    }
}
