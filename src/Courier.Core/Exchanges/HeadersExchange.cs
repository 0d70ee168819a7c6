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
    // Each binding's arguments are read once, when it is made: matching a message then walks a
    // plain array, with no enumerator or decoded x-match string per binding per message.
    private readonly List<(Binding Binding, HeadersRule Rule)> _bindings = [];

    public HeadersExchange(string name, ExchangeDefinition definition)
        : base(name, definition)
    {
    }

    public override string Type => ExchangeTypes.Headers;

    /// <summary>
    /// <c>x-match</c>, when given, is one of the four rules as text of well-formed UTF-8; anything else
    /// is refused as RabbitMQ refuses it (<c>rabbit_exchange_type_headers:validate_binding</c>), not
    /// read as <c>all</c>.
    /// </summary>
    public override void CheckBindingArguments(IReadOnlyDictionary<string, object?> arguments)
    {
        if (!arguments.TryGetValue("x-match", out var value))
        {
            return;
        }

        if (!FieldTable.TryGetText(value, out var mode))
        {
            throw BrokerException.PreconditionFailed(FieldTable.IsMalformedText(value)
                ? "Invalid x-match field value: not well-formed UTF-8; expected all, any, all-with-x, or any-with-x"
                : "Invalid x-match field type; expected longstr");
        }

        if (mode is not ("all" or "any" or "all-with-x" or "any-with-x"))
        {
            throw BrokerException.PreconditionFailed($"Invalid x-match field value '{mode}'; expected all, any, all-with-x, or any-with-x");
        }
    }

    protected override void AddBinding(Binding binding) => _bindings.Add((binding, HeadersRule.From(binding.Arguments)));

    protected override void RemoveBinding(Binding binding)
    {
        var index = _bindings.FindIndex(b => b.Binding.Equals(binding));
        if (index >= 0)
        {
            _bindings.RemoveAt(index);
        }
    }

    protected override void MatchCore(Message message, List<IBindingDestination> destinations)
    {
        var headers = message.Properties.Headers ?? FieldTable.Empty;
        foreach (var (binding, rule) in _bindings)
        {
            if (rule.Matches(headers))
            {
                destinations.Add(binding.Destination);
            }
        }
    }

    /// <summary>True when <paramref name="headers"/> satisfy the binding <paramref name="arguments"/>.</summary>
    public static bool Matches(IReadOnlyDictionary<string, object?> arguments, IReadOnlyDictionary<string, object?> headers) =>
        HeadersRule.From(arguments).Matches(headers);

    /// <summary>A binding's arguments, read into the form matching needs.</summary>
    private sealed class HeadersRule
    {
        private readonly bool _any;
        private readonly KeyValuePair<string, object?>[] _compared;

        private HeadersRule(bool any, KeyValuePair<string, object?>[] compared)
        {
            _any = any;
            _compared = compared;
        }

        public static HeadersRule From(IReadOnlyDictionary<string, object?> arguments)
        {
            var mode = FieldTable.GetString(arguments, "x-match") ?? "all";
            var withX = mode is "all-with-x" or "any-with-x";
            var compared = new List<KeyValuePair<string, object?>>();
            foreach (var pair in arguments)
            {
                if (!pair.Key.StartsWith("x-", StringComparison.Ordinal) || (withX && pair.Key != "x-match"))
                {
                    compared.Add(pair);
                }
            }

            return new HeadersRule(mode is "any" or "any-with-x", [.. compared]);
        }

        public bool Matches(IReadOnlyDictionary<string, object?> headers)
        {
            foreach (var (key, expected) in _compared)
            {
                var matched = headers.TryGetValue(key, out var actual) && (expected is null || ValueMatches(expected, actual));
                if (_any && matched)
                {
                    return true;
                }

                if (!_any && !matched)
                {
                    return false;
                }
            }

            // "all" with nothing to compare matches everything; "any" with nothing to compare matches nothing.
            return !_any;
        }
    }

    private static bool ValueMatches(object expected, object? actual)
    {
        // Text can arrive as a string (MQTT, STOMP) or as long-string bytes (AMQP): compare the text.
        // Integers compare by value whatever their width, as RabbitMQ's Erlang == does ('I' 1 equals 'l' 1).
        return (expected, actual) switch
        {
            (string s, byte[] b) => SameText(s, b),
            (byte[] b, string s) => SameText(s, b),
            _ => FieldTable.ValueEquivalent(expected, actual),
        };
    }

    private static bool SameText(string text, byte[] bytes)
    {
        if (Encoding.UTF8.GetByteCount(text) != bytes.Length)
        {
            return false;
        }

        Span<byte> encoded = bytes.Length <= 256 ? stackalloc byte[bytes.Length] : new byte[bytes.Length];
        Encoding.UTF8.GetBytes(text, encoded);
        return encoded.SequenceEqual(bytes);
    }
}
