using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.Tests.Queues;

public class QueueArgumentsTests
{
    private static QueueArguments Parse(params (string Key, object? Value)[] entries) =>
        QueueArguments.Parse(entries.ToDictionary(e => e.Key, e => e.Value), "queue 'q' in vhost '/'");

    [Fact]
    public void No_arguments_parse_to_the_plain_queue()
    {
        Assert.True(Parse().IsPlain);
        Assert.True(Parse(("x-queue-mode", "lazy"), ("client-key", "kept")).IsPlain);
    }

    [Fact]
    public void Integers_of_any_width_and_long_strings_as_bytes_are_taken()
    {
        var parsed = Parse(
            ("x-message-ttl", (sbyte)5), ("x-max-length", (ushort)7), ("x-max-length-bytes", 9UL), ("x-expires", 1000L),
            ("x-dead-letter-exchange", "dlx"u8.ToArray()), ("x-overflow", "reject-publish-dlx"), ("x-max-priority", (byte)255),
            ("x-single-active-consumer", true), ("x-delivery-limit", 0));

        Assert.Equal(5, parsed.MessageTtl);
        Assert.Equal(7, parsed.MaxLength);
        Assert.Equal(9, parsed.MaxLengthBytes);
        Assert.Equal(1000, parsed.Expires);
        Assert.Equal("dlx", parsed.DeadLetterExchange);
        Assert.Equal(OverflowBehaviour.RejectPublishDlx, parsed.Overflow);
        Assert.Equal((byte)255, parsed.MaxPriority);
        Assert.True(parsed.SingleActiveConsumer);
        Assert.Equal(0, parsed.DeliveryLimit);
        Assert.False(parsed.IsPlain);
    }

    [Theory]
    [InlineData("x-message-ttl", "abc", "must be an integer, not a string")]
    [InlineData("x-expires", 0, "must be a positive integer")]
    [InlineData("x-max-priority", 300, "at most 255")]
    [InlineData("x-overflow", "bogus", "'bogus' is not one of")]
    [InlineData("x-single-active-consumer", 1, "must be a boolean")]
    public void A_bad_value_is_refused_naming_the_argument_and_why(string key, object value, string why)
    {
        var error = Assert.Throws<BrokerException>(() => Parse((key, value)));
        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.StartsWith($"invalid arg '{key}' for queue 'q' in vhost '/': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_arguments_that_no_longer_validate_lose_only_their_own_effect()
    {
        var warnings = new List<string>();
        var saved = new Dictionary<string, object?> { ["x-message-ttl"] = "abc", ["x-max-length"] = 3 };

        var parsed = QueueArguments.ParseSaved(saved, "queue 'q' in vhost '/'", warnings.Add);

        Assert.Null(parsed.MessageTtl);
        Assert.Equal(3, parsed.MaxLength);
        Assert.Contains("x-message-ttl", Assert.Single(warnings), StringComparison.Ordinal);
    }
}
