using Courier.PerfTest.Measurement;

namespace Courier.PerfTest.Tests;

public sealed class DeliveryLedgerTests
{
    private static int Once(int producerId) => 1;

    [Fact]
    public void Every_message_arriving_once_is_neither_lost_nor_duplicated()
    {
        var ledger = new DeliveryLedger();
        for (long seq = 0; seq < 200_000; seq++)
        {
            ledger.Record(0, seq);
            ledger.Record(1, seq);
        }

        var verdict = ledger.Verify([200_000, 200_000], Once);

        Assert.Equal(new LedgerVerdict(Lost: 0, Duplicated: 0, Satisfied: 400_000), verdict);
    }

    [Fact]
    public void A_sequence_that_never_arrived_is_lost_and_one_that_arrived_twice_is_duplicated()
    {
        var ledger = new DeliveryLedger();
        ledger.Record(0, 0);
        ledger.Record(0, 2);
        ledger.Record(0, 2);

        var verdict = ledger.Verify([4], Once);

        Assert.Equal(2, verdict.Lost); // 1 and 3
        Assert.Equal(1, verdict.Duplicated);
    }

    [Fact]
    public void A_fanout_message_is_promised_once_per_queue()
    {
        var ledger = new DeliveryLedger();
        for (int copy = 0; copy < 3; copy++)
        {
            ledger.Record(0, 0);
        }

        ledger.Record(0, 1);

        var verdict = ledger.Verify([2], static _ => 3);

        Assert.Equal(2, verdict.Lost);
        Assert.Equal(0, verdict.Duplicated);
        Assert.Equal(4, verdict.Satisfied);
    }

    [Fact]
    public void Without_sent_counts_gaps_below_the_highest_sequence_seen_are_lost()
    {
        var ledger = new DeliveryLedger();
        ledger.Record(7, 0);
        ledger.Record(7, 70_000); // in the second chunk

        var verdict = ledger.Verify(null, Once);

        Assert.Equal(69_999, verdict.Lost);
        Assert.Equal(2, verdict.Satisfied);
    }

    [Fact]
    public void Stamps_out_of_range_are_not_counted()
    {
        var ledger = new DeliveryLedger();

        Assert.Equal(0, ledger.Record(-1, 0));
        Assert.Equal(0, ledger.Record(DeliveryLedger.MaxProducers, 0));
        Assert.Equal(0, ledger.Record(0, -5));
    }

    [Fact]
    public void Concurrent_consumers_count_every_arrival()
    {
        var ledger = new DeliveryLedger();
        Parallel.For(0, 4, _ =>
        {
            for (long seq = 0; seq < 100_000; seq++)
            {
                ledger.Record(0, seq);
            }
        });

        var verdict = ledger.Verify([100_000], static _ => 4);

        Assert.Equal(new LedgerVerdict(0, 0, 400_000), verdict);
    }
}
