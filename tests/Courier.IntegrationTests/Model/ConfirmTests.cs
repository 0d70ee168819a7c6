using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Model;

/// <summary>Publisher confirms: confirm.select, and a basic.ack from the broker for every publish.</summary>
public sealed class ConfirmTests
{
    [Fact]
    public async Task Every_publish_on_a_confirm_channel_is_confirmed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirmed(tracking: true));
        var queue = await channel.DeclareQueueAsync("confirmed");

        for (var i = 0; i < 100; i++)
        {
            await Wait.ForAsync(channel.PublishTextAsync(string.Empty, queue, $"m{i}").AsTask(), $"the confirm of publish {i}");
        }

        Assert.Equal(100u, await channel.ReadyCountAsync(queue));
    }

    [Fact]
    public async Task Confirms_acknowledge_every_sequence_number_exactly_once()
    {
        const int Count = 200;
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirmed(tracking: false));
        var queue = await channel.DeclareQueueAsync("confirmed");
        var confirms = new ConfirmLog(channel);

        for (var i = 0; i < Count; i++)
        {
            await channel.PublishTextAsync(string.Empty, queue, $"m{i}");
        }

        await Wait.UntilAsync(() => confirms.Acked.Count == Count, "every publish is confirmed");
        Assert.Equal(Enumerable.Range(1, Count).Select(i => (ulong)i), confirms.Acked);
        Assert.DoesNotContain(confirms.Events, e => e.StartsWith("nack", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unroutable_mandatory_publish_is_returned_and_then_confirmed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirmed(tracking: false));
        var confirms = new ConfirmLog(channel);

        await channel.PublishTextAsync("amq.direct", "nobody.listens", "unroutable", mandatory: true);

        await Wait.UntilAsync(() => confirms.Acked.Count == 1, "the publish is confirmed");
        Assert.Equal(new[] { "return", "ack 1" }, confirms.Events);
    }

    [Fact]
    public async Task An_unroutable_publish_without_mandatory_is_confirmed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirmed(tracking: true));

        await Wait.ForAsync(channel.PublishTextAsync("amq.direct", "nobody.listens", "dropped").AsTask(), "the confirm");
    }

    [Fact]
    public async Task A_tracking_client_sees_a_returned_mandatory_publish_as_a_publish_exception()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var connection = await broker.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(Confirmed(tracking: true));

        var error = await Assert.ThrowsAnyAsync<PublishException>(
            () => Wait.ForAsync(channel.PublishTextAsync("amq.direct", "nobody.listens", "unroutable", mandatory: true).AsTask(), "the publish outcome"));

        Assert.True(error.IsReturn);
        Assert.Equal(1ul, error.PublishSequenceNumber);
    }

    private static CreateChannelOptions Confirmed(bool tracking) =>
        new(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: tracking);

    /// <summary>Records basic.return, basic.ack and basic.nack on a channel in arrival order; multiple acks are expanded.</summary>
    private sealed class ConfirmLog
    {
        private readonly Lock _gate = new();
        private readonly List<string> _events = [];
        private readonly List<ulong> _acked = [];

        public ConfirmLog(IChannel channel)
        {
            channel.BasicReturnAsync += (_, _) => Record("return");
            channel.BasicNacksAsync += (_, e) => Record($"nack {e.DeliveryTag}");
            channel.BasicAcksAsync += (_, e) =>
            {
                lock (_gate)
                {
                    var from = e.Multiple ? (_acked.Count == 0 ? 1 : _acked[^1] + 1) : e.DeliveryTag;
                    for (var tag = from; tag <= e.DeliveryTag; tag++)
                    {
                        _acked.Add(tag);
                    }

                    _events.Add($"ack {e.DeliveryTag}");
                }

                return Task.CompletedTask;
            };
        }

        public IReadOnlyList<string> Events
        {
            get
            {
                lock (_gate)
                {
                    return [.. _events];
                }
            }
        }

        public IReadOnlyList<ulong> Acked
        {
            get
            {
                lock (_gate)
                {
                    return [.. _acked];
                }
            }
        }

        private Task Record(string what)
        {
            lock (_gate)
            {
                _events.Add(what);
            }

            return Task.CompletedTask;
        }
    }
}
