using Courier.Core.Deduplication;
using Courier.Core.Exchanges;
using Courier.Core.Messages;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Messages;

/// <summary>Long-string values the core interprets are decoded strictly: refused or compared by bytes, never rewritten to U+FFFD.</summary>
public sealed class InterpretedTextTests
{
    private static readonly byte[] BadFf = [(byte)'k', 0xFF];
    private static readonly byte[] BadFe = [(byte)'k', 0xFE];

    [Fact]
    public void Bytes_that_are_not_UTF8_are_no_text_at_all()
    {
        var table = new Dictionary<string, object?> { ["a"] = BadFf, ["b"] = "k\uFFFD"u8.ToArray(), ["c"] = "plain" };

        Assert.Null(FieldTable.GetString(table, "a"));
        Assert.Equal("k\uFFFD", FieldTable.GetString(table, "b"));
        Assert.Equal("plain", FieldTable.GetString(table, "c"));
        Assert.True(FieldTable.IsMalformedText(BadFf));
        Assert.False(FieldTable.IsMalformedText("k\uFFFD"u8.ToArray()));
        Assert.False(FieldTable.TryGetText(BadFf, out _));
    }

    [Fact]
    public void An_argument_that_is_not_UTF8_is_refused_with_precondition_failed_naming_it()
    {
        var arguments = new Dictionary<string, object?> { ["x-dead-letter-exchange"] = BadFf };

        var refused = Assert.Throws<BrokerException>(() => FieldTable.GetArgumentText(arguments, "x-dead-letter-exchange", "queue 'q' in vhost '/'"));

        Assert.Equal(BrokerError.PreconditionFailed, refused.Error);
        Assert.Equal("invalid arg 'x-dead-letter-exchange' for queue 'q' in vhost '/': the value is not well-formed UTF-8", refused.Message);
        Assert.Null(FieldTable.GetArgumentText(arguments, "absent", "queue 'q' in vhost '/'"));
    }

    [Fact]
    public void Deduplication_keys_that_are_not_UTF8_keep_their_bytes_apart()
    {
        static string? KeyOf(object value) => DeduplicationKey.Of(TestMessages.Create(headers: new Dictionary<string, object?> { [DeduplicationKey.Header] = value }));

        Assert.NotEqual(KeyOf(BadFf), KeyOf(BadFe));
        Assert.Equal(KeyOf(BadFf), KeyOf((byte[])[(byte)'k', 0xFF]));
        Assert.Equal(KeyOf("k\u00e9"), KeyOf("k\u00e9"u8.ToArray()));
        Assert.NotEqual(KeyOf("k\uFFFD"), KeyOf(BadFf));
    }

    [Theory]
    [InlineData("all")]
    [InlineData("any")]
    [InlineData("all-with-x")]
    [InlineData("any-with-x")]
    public void The_four_x_match_rules_are_accepted_as_strings_or_bytes(string rule)
    {
        var exchange = new HeadersExchange("h", new ExchangeDefinition { Type = ExchangeTypes.Headers });

        exchange.CheckBindingArguments(new Dictionary<string, object?> { ["x-match"] = rule });
        exchange.CheckBindingArguments(new Dictionary<string, object?> { ["x-match"] = System.Text.Encoding.UTF8.GetBytes(rule) });
    }

    [Fact]
    public void An_x_match_that_is_not_a_rule_is_refused()
    {
        var exchange = new HeadersExchange("h", new ExchangeDefinition { Type = ExchangeTypes.Headers });

        foreach (var value in (object[])[(byte[])[(byte)'a', (byte)'l', (byte)'l', 0xFF], "ALL", 1])
        {
            var refused = Assert.Throws<BrokerException>(() => exchange.CheckBindingArguments(new Dictionary<string, object?> { ["x-match"] = value }));
            Assert.Equal(BrokerError.PreconditionFailed, refused.Error);
        }
    }
}
