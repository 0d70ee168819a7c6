using Courier.Core.Messages;
using Courier.Core.Queues;

namespace Courier.Core.Tests.Queues;

public class DeathHistoryTests
{
    private static readonly long Now = DateTimeOffset.Parse("2026-12-02T12:00:00Z").ToUnixTimeMilliseconds();

    [Fact]
    public void A_first_death_writes_x_death_and_the_first_death_headers_and_drops_the_expiration()
    {
        var message = new Message("orders", "eu", new MessageProperties { ExpiryMilliseconds = 500, Headers = new Dictionary<string, object?> { ["app"] = 1 } }, new byte[] { 1 },
            new MessageAnnotations { More = new Dictionary<string, object?> { ["amqp.expiration"] = "0500", ["amqp.cluster-id"] = "c" } });

        var letter = DeathHistory.Record(message, DeathReason.Expired, "work", "dlx", "dead", Now);

        Assert.Equal("dlx", letter.Exchange);
        Assert.Equal("dead", letter.RoutingKey);
        Assert.Null(letter.Properties.ExpiryMilliseconds);
        Assert.Null(letter.Annotations.Get("amqp.expiration"));
        Assert.Equal("c", letter.Annotations.Get("amqp.cluster-id"));
        var headers = letter.Properties.Headers!;
        Assert.Equal(1, headers["app"]);
        var death = (IReadOnlyDictionary<string, object?>)Assert.Single((IReadOnlyList<object?>)headers["x-death"]!)!;
        Assert.Equal(1L, death["count"]);
        Assert.Equal("expired", death["reason"]);
        Assert.Equal("work", death["queue"]);
        Assert.Equal(new Timestamp(Now / 1000), death["time"]);
        Assert.Equal("orders", death["exchange"]);
        Assert.Equal(["eu"], (IReadOnlyList<object?>)death["routing-keys"]!);
        Assert.Equal("500", death["original-expiration"]);
        Assert.Equal("expired", headers["x-first-death-reason"]);
        Assert.Equal("work", headers["x-first-death-queue"]);
        Assert.Equal("orders", headers["x-first-death-exchange"]);
    }

    [Fact]
    public void The_same_queue_and_reason_again_counts_up_and_moves_to_the_front_and_first_death_stays()
    {
        var message = new Message("", "a", new MessageProperties(), Array.Empty<byte>());
        var once = DeathHistory.Record(message, DeathReason.Rejected, "a", "", "b", Now);
        var twice = DeathHistory.Record(once, DeathReason.Rejected, "b", "", "a", Now);
        var thrice = DeathHistory.Record(twice, DeathReason.Rejected, "a", "", "b", Now);

        var deaths = ((IReadOnlyList<object?>)thrice.Properties.Headers!["x-death"]!).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        Assert.Equal(["a", "b"], deaths.Select(d => d["queue"]));
        Assert.Equal([2L, 1L], deaths.Select(d => d["count"]));
        Assert.Equal("a", thrice.Properties.Headers!["x-first-death-queue"]);
        Assert.Equal([("a", "rejected"), ("b", "rejected")], DeathHistory.Deaths(thrice));
    }

    [Fact]
    public void A_history_republished_by_a_client_as_amqp_long_strings_is_continued()
    {
        var fromClient = new Dictionary<string, object?>
        {
            ["count"] = 4L, ["reason"] = "maxlen"u8.ToArray(), ["queue"] = "q"u8.ToArray(),
        };
        var message = new Message("", "q", new MessageProperties { Headers = new Dictionary<string, object?> { ["x-death"] = new List<object?> { fromClient } } }, Array.Empty<byte>());

        var letter = DeathHistory.Record(message, DeathReason.MaxLength, "q", "dlx", "q", Now);

        var death = (IReadOnlyDictionary<string, object?>)Assert.Single((IReadOnlyList<object?>)letter.Properties.Headers!["x-death"]!)!;
        Assert.Equal(5L, death["count"]);
    }
}
