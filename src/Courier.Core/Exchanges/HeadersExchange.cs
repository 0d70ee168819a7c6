using System.Text;
using Courier.Core.Messages;

namespace Courier.Core.Exchanges;

/// <summary>
/// Routes by comparing message headers with binding arguments. <c>x-match</c> chooses the rule:
/// <c>all</c> (the default) needs every argument matched, <c>any</c> at least one;
/// <c>all-with-x</c> and <c>any-with-x</c> also compare arguments whose names start with
/// <c>x-</c>, which the plain forms ignore. An argument with no value (void) matches on presence.
/// </summary>
public sealed class HeadersExchange : Exchange
{
    private readonly List<Binding> _bindings = [];

    public HeadersExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
    }

    public override string Type => ExchangeTypes.Headers;

    protected override void AddBinding(Binding binding) => _bindings.Add(binding);

    protected override void RemoveBinding(Binding binding) => _bindings.Remove(binding);

    protected override void MatchCore(Message message, List<IBindingDestination> destinations)
    {
        var headers = message.Properties.Headers ?? FieldTable.Empty;
        foreach (var binding in _bindings)
        {
            if (Matches(binding.Arguments, headers))
            {
                destinations.Add(binding.Destination);
            }
        }
    }

    /// <summary>True when <paramref name="headers"/> satisfy the binding <paramref name="arguments"/>.</summary>
    public static bool Matches(IReadOnlyDictionary<string, object?> arguments, IReadOnlyDictionary<string, object?> headers)
    {
        var mode = FieldTable.GetString(arguments, "x-match") ?? "all";
        var any = mode is "any" or "any-with-x";
        var withX = mode is "all-with-x" or "any-with-x";
        var compared = 0;
        foreach (var (key, expected) in arguments)
        {
            if (key.StartsWith("x-", StringComparison.Ordinal) && (!withX || key == "x-match"))
            {
                continue;
            }

            compared++;
            var matched = headers.TryGetValue(key, out var actual) && (expected is null || ValueMatches(expected, actual));
            if (any && matched)
            {
                return true;
            }

            if (!any && !matched)
            {
                return false;
            }
        }

        // "all" with nothing to compare matches everything; "any" with nothing to compare matches nothing.
        return !any;
    }

    private static bool ValueMatches(object expected, object? actual)
    {
        // Text can arrive as a string (MQTT, STOMP) or as long-string bytes (AMQP): compare the text.
        // Integers compare by value whatever their width, as RabbitMQ's Erlang == does ('I' 1 equals 'l' 1).
        return (expected, actual) switch
        {
            (string s, byte[] b) => Encoding.UTF8.GetByteCount(s) == b.Length && Encoding.UTF8.GetString(b) == s,
            (byte[] b, string s) => Encoding.UTF8.GetByteCount(s) == b.Length && Encoding.UTF8.GetString(b) == s,
            _ => FieldTable.ValueEquivalent(expected, actual),
        };
    }
}
