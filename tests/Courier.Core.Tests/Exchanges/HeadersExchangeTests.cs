using System.Text;
using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Exchanges;

public class HeadersExchangeTests
{
    private static Dictionary<string, object?> Table(params (string Key, object? Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    [Fact]
    public void All_needs_every_argument_to_match()
    {
        var arguments = Table(("x-match", "all"), ("format", "pdf"), ("type", "report"));

        Assert.True(HeadersExchange.Matches(arguments, Table(("format", "pdf"), ("type", "report"), ("extra", 1))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("format", "pdf"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("format", "pdf"), ("type", "log"))));
    }

    [Fact]
    public void All_is_the_rule_when_x_match_is_absent()
    {
        var arguments = Table(("format", "pdf"), ("type", "report"));

        Assert.True(HeadersExchange.Matches(arguments, Table(("format", "pdf"), ("type", "report"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("format", "pdf"))));
    }

    [Fact]
    public void Any_needs_one_argument_to_match()
    {
        var arguments = Table(("x-match", "any"), ("format", "pdf"), ("type", "report"));

        Assert.True(HeadersExchange.Matches(arguments, Table(("type", "report"))));
        Assert.True(HeadersExchange.Matches(arguments, Table(("format", "pdf"), ("type", "log"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("format", "zip"), ("type", "log"))));
        Assert.False(HeadersExchange.Matches(arguments, Table()));
    }

    [Fact]
    public void Arguments_starting_with_x_are_ignored_by_all_and_any()
    {
        var all = Table(("x-match", "all"), ("x-origin", "eu"), ("format", "pdf"));
        var any = Table(("x-match", "any"), ("x-origin", "eu"));

        Assert.True(HeadersExchange.Matches(all, Table(("format", "pdf"))));
        Assert.False(HeadersExchange.Matches(any, Table(("x-origin", "eu"))));
    }

    [Fact]
    public void All_with_x_compares_arguments_starting_with_x()
    {
        var arguments = Table(("x-match", "all-with-x"), ("x-origin", "eu"), ("format", "pdf"));

        Assert.True(HeadersExchange.Matches(arguments, Table(("x-origin", "eu"), ("format", "pdf"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("format", "pdf"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("x-origin", "us"), ("format", "pdf"))));
    }

    [Fact]
    public void Any_with_x_matches_on_an_argument_starting_with_x()
    {
        var arguments = Table(("x-match", "any-with-x"), ("x-origin", "eu"), ("format", "pdf"));

        Assert.True(HeadersExchange.Matches(arguments, Table(("x-origin", "eu"))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("x-origin", "us"), ("format", "zip"))));
    }

    [Fact]
    public void X_match_itself_is_never_compared()
    {
        Assert.True(HeadersExchange.Matches(Table(("x-match", "all-with-x"), ("a", 1)), Table(("a", 1))));
        Assert.False(HeadersExchange.Matches(Table(("x-match", "any-with-x")), Table(("x-match", "any-with-x"))));
    }

    [Fact]
    public void A_void_argument_matches_on_presence_of_the_header()
    {
        var arguments = Table(("x-match", "all"), ("trace", null));

        Assert.True(HeadersExchange.Matches(arguments, Table(("trace", "anything"))));
        Assert.True(HeadersExchange.Matches(arguments, Table(("trace", null))));
        Assert.False(HeadersExchange.Matches(arguments, Table(("other", "x"))));
    }

    [Fact]
    public void String_and_long_string_bytes_compare_as_text()
    {
        var stringArgument = Table(("format", "pdf"));
        var bytesArgument = Table(("format", Encoding.UTF8.GetBytes("pdf")));

        Assert.True(HeadersExchange.Matches(stringArgument, Table(("format", Encoding.UTF8.GetBytes("pdf")))));
        Assert.True(HeadersExchange.Matches(bytesArgument, Table(("format", "pdf"))));
        Assert.True(HeadersExchange.Matches(bytesArgument, Table(("format", Encoding.UTF8.GetBytes("pdf")))));
        Assert.False(HeadersExchange.Matches(stringArgument, Table(("format", Encoding.UTF8.GetBytes("pdfx")))));
        Assert.False(HeadersExchange.Matches(bytesArgument, Table(("format", "pd"))));
    }

    [Fact]
    public void Integers_of_different_widths_match_by_value_as_in_RabbitMQ()
    {
        // RabbitMQ compares header values with Erlang's ==, which ignores the AMQP integer width:
        // a binding made with an int (RabbitMQ.Client) must match a header sent as a long (Java Long).
        Assert.True(HeadersExchange.Matches(Table(("version", 1)), Table(("version", 1L))));
        Assert.True(HeadersExchange.Matches(Table(("version", (byte)7)), Table(("version", (short)7))));
        Assert.False(HeadersExchange.Matches(Table(("version", 1)), Table(("version", 2L))));
    }

    [Fact]
    public void Values_of_different_kinds_do_not_match()
    {
        Assert.False(HeadersExchange.Matches(Table(("version", 1)), Table(("version", "1"))));
        Assert.False(HeadersExchange.Matches(Table(("enabled", true)), Table(("enabled", 1))));
        Assert.False(HeadersExchange.Matches(Table(("format", "pdf")), Table(("format", 3))));
    }

    [Fact]
    public void All_with_nothing_to_compare_matches_every_message()
    {
        Assert.True(HeadersExchange.Matches(Table(), Table()));
        Assert.True(HeadersExchange.Matches(Table(("x-match", "all"), ("x-origin", "eu")), Table(("a", 1))));
    }

    [Fact]
    public void Any_with_nothing_to_compare_matches_no_message()
    {
        Assert.False(HeadersExchange.Matches(Table(("x-match", "any")), Table(("a", 1))));
        Assert.False(HeadersExchange.Matches(Table(("x-match", "any"), ("x-origin", "eu")), Table(("x-origin", "eu"))));
    }

    [Fact]
    public void Exchange_routes_by_the_message_headers()
    {
        var exchange = new HeadersExchange("h", new ExchangeDefinition { Type = ExchangeTypes.Headers });
        var pdf = new TestDestination("pdf");
        var anything = new TestDestination("anything");
        exchange.Bind(new Binding(exchange, pdf, string.Empty, Table(("format", "pdf"))));
        exchange.Bind(new Binding(exchange, anything, string.Empty, null));

        var matched = new List<IBindingDestination>();
        exchange.Match(TestMessages.Create(headers: Table(("format", "pdf"))), matched);
        Assert.Equal([pdf, anything], matched.OrderBy(d => d.Name == "anything"));

        matched.Clear();
        exchange.Match(TestMessages.Create(), matched);
        Assert.Equal([anything], matched);
    }

    [Fact]
    public void Unbinding_one_of_two_argument_sets_keeps_the_other()
    {
        var exchange = new HeadersExchange("h", new ExchangeDefinition { Type = ExchangeTypes.Headers });
        var queue = new TestDestination("q");
        exchange.Bind(new Binding(exchange, queue, string.Empty, Table(("format", "pdf"))));
        exchange.Bind(new Binding(exchange, queue, string.Empty, Table(("format", "zip"))));

        Assert.True(exchange.Unbind(new Binding(exchange, queue, string.Empty, Table(("format", "pdf")))));

        var matched = new List<IBindingDestination>();
        exchange.Match(TestMessages.Create(headers: Table(("format", "pdf"))), matched);
        Assert.Empty(matched);
        exchange.Match(TestMessages.Create(headers: Table(("format", "zip"))), matched);
        Assert.Equal([queue], matched);
    }
}
