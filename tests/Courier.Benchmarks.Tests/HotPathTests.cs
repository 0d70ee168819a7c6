using Courier.Benchmarks.Framing;
using Courier.Benchmarks.Journal;
using Courier.Benchmarks.Queues;
using Courier.Benchmarks.Routing;
using Courier.Storage.Journal;

namespace Courier.Benchmarks.Tests;

/// <summary>The benchmarks measure what they claim to: each hot path does its real work.</summary>
public sealed class HotPathTests
{
    [Fact]
    public void Parsing_the_publish_frames_gives_back_the_published_message()
    {
        var frames = new PublishFrames();

        foreach (var input in new[] { frames.SingleSegment, frames.Split })
        {
            var message = PublishParser.Parse(input, PublishFrames.FrameMax);

            Assert.Equal(SampleMessage.Exchange, message.Exchange);
            Assert.Equal(SampleMessage.RoutingKey, message.RoutingKey);
            Assert.Equal(SampleMessage.ContentType, message.Properties.ContentType);
            Assert.True(message.IsPersistent);
            Assert.Equal(SampleMessage.CreateBody(), message.Body.ToArray());
        }
    }

    [Fact]
    public void The_split_publish_arrives_in_five_segments()
    {
        var frames = new PublishFrames();

        Assert.False(frames.Split.IsSingleSegment);
        var segments = 0;
        foreach (var _ in frames.Split)
        {
            segments++;
        }

        Assert.Equal(5, segments);
        Assert.Equal(frames.Bytes.Length, frames.Split.Length);
    }

    [Fact]
    public void A_delivery_is_written_as_method_header_and_body_frames()
    {
        var written = new DeliveryFrames().Write();

        // 256 B of body plus three frames' overhead, method and header payloads.
        Assert.True(written > SampleMessage.BodySize + (3 * 8), $"wrote {written} bytes");
    }

    [Fact]
    public void Each_exchange_routes_the_benchmark_message_to_the_expected_queues()
    {
        var topology = new RoutingTopology();

        Assert.Equal(1, topology.RouteDirect());
        Assert.Equal(RoutingTopology.FanoutQueues, topology.RouteFanout());
        Assert.Equal(1, topology.RouteHeaders());
        Assert.Equal(RoutingTopology.TopicBindings, topology.Topic!.BindingCount);
        Assert.InRange(topology.RouteTopic(), 3, 8);
        Assert.Equal(topology.TopicMatches, topology.RouteTopic());
    }

    [Fact]
    public void A_queue_cycle_delivers_and_settles_each_message()
    {
        var cycle = new QueueCycle();

        var first = cycle.EnqueueDeliverSettle();
        var second = cycle.EnqueueDeliverSettle();

        Assert.Equal(first + 1, second);
    }

    [Fact]
    public void A_commit_round_trip_returns_once_the_journal_has_synced()
    {
        using var workload = new JournalWorkload(queues: 1, CommitPolicy.Always, segmentSize: 64 * 1024);
        var flushesBefore = workload.Device.FlushCount;

        workload.AppendAndCommit();

        Assert.True(workload.Device.FlushCount > flushesBefore);
    }
}
