using System.Text;
using Courier.Amqp091.Mapping;
using Xunit;

namespace Courier.Amqp091.Tests.Mapping;

public sealed class ShortStringFitTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("a", 1)]
    [InlineData("abc", 3)]
    public void A_name_that_fits_is_returned_as_it_is(string value, int length)
    {
        Assert.Same(value, AmqpWirePrimitives.FitShortString(value));
        Assert.Equal(length, value.Length);
    }

    [Theory]
    [InlineData("a", 255, 255)]
    [InlineData("a", 256, 255)]
    [InlineData("é", 200, 127)] // two bytes each: 127 whole ones are 254 bytes
    [InlineData("€", 100, 85)] // three bytes each: 85 are 255 bytes
    [InlineData("😀", 70, 126)] // four bytes and two UTF-16 units each: 63 are 252 bytes
    public void A_longer_name_keeps_its_longest_prefix_of_whole_characters_within_255_bytes(string unit, int count, int expectedLength)
    {
        var value = string.Concat(Enumerable.Repeat(unit, count));
        var fitted = AmqpWirePrimitives.FitShortString(value);
        Assert.Equal(expectedLength, fitted.Length);
        Assert.True(Encoding.UTF8.GetByteCount(fitted) <= 255);
        Assert.StartsWith(fitted, value, StringComparison.Ordinal);
    }
}
