using Courier.Core.Delayed;
using Courier.Core.Messages;

namespace Courier.Core.Tests.Delayed;

/// <summary>The <c>x-delay</c> header read as RabbitMQ's delayed-message plugin reads it.</summary>
public class DelayHeaderTests
{
    private static Message With(object? delay) =>
        new("x", "k", new MessageProperties { Headers = new Dictionary<string, object?> { ["x-delay"] = delay, ["other"] = "kept" } }, new byte[] { 1 });

    public static TheoryData<object?, long> Delayed => new()
    {
        { 1, 1 },
        { (sbyte)5, 5 },
        { (short)300, 300 },
        { 5000L, 5000 },
        { 4_294_967_295u, 4_294_967_295 },
        { 250.9d, 250 },
        { 99.5f, 99 },
        { 12.7m, 12 },
        { "1500", 1500 },
        { "1500"u8.ToArray(), 1500 },
    };

    [Theory]
    [MemberData(nameof(Delayed))]
    public void A_positive_delay_of_any_numeric_form_delays(object? value, long expected)
    {
        Assert.True(DelayHeader.TryGetDelay(With(value), out var delay));
        Assert.Equal(expected, delay);
    }

    public static TheoryData<object?> RoutedAtOnce => new() { 0, -1, -5000L, 4_294_967_296L, "soon", "", 0.4d, double.NaN, true, null };

    [Theory]
    [MemberData(nameof(RoutedAtOnce))]
    public void Anything_else_routes_at_once(object? value) => Assert.False(DelayHeader.TryGetDelay(With(value), out _));

    [Fact]
    public void A_message_without_headers_routes_at_once() =>
        Assert.False(DelayHeader.TryGetDelay(new Message("x", "k", new MessageProperties(), new byte[] { 1 }), out _));

    [Fact]
    public void Routing_negates_the_delay_as_a_32_bit_integer_and_keeps_everything_else()
    {
        var original = With(1500);

        var routed = DelayHeader.MarkRouted(original, 1500);

        Assert.Equal(-1500, Assert.IsType<int>(routed.Properties.Headers!["x-delay"]));
        Assert.Equal("kept", routed.Properties.Headers["other"]);
        Assert.Equal(1500, original.Properties.Headers!["x-delay"]);
        Assert.Equal(original.Body, routed.Body);
        Assert.Equal(original.RoutingKey, routed.RoutingKey);
    }
}
