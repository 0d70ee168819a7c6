using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Storage;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.VirtualHosts;

/// <summary>Declaring makes a queue of the type asked for, through the broker's registry; the type is saved and restored with the definitions.</summary>
public sealed class VirtualHostQueueTypeTests
{
    private readonly RecordingQueueType _other = new("other");
    private readonly ClientSession _connection = TestSessions.New();

    private Broker NewBroker() =>
        new(new BrokerOptions(), new InMemoryMessageStore(), definitions: null)
        {
            QueueTypes = new QueueTypeRegistry([ClassicQueueType.Instance, _other], ["stream"]),
        };

    private static QueueDefinition Durable(string? type = null) => new()
    {
        Durable = true,
        Arguments = type is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { [QueueTypeRegistry.Argument] = type },
    };

    private static VirtualHost DefaultVirtualHost(Broker broker)
    {
        Assert.True(broker.TryGetVirtualHost("/", out var virtualHost));
        return virtualHost;
    }

    [Fact]
    public void Declaring_makes_the_queue_through_the_type_it_names()
    {
        var broker = NewBroker();
        var vhost = DefaultVirtualHost(broker);

        vhost.DeclareQueue("classic", Durable(), passive: false, _connection);
        vhost.DeclareQueue("typed", Durable("other"), passive: false, _connection);

        var creation = Assert.Single(_other.Created);
        Assert.Equal("typed", creation.Name);
        Assert.Equal("/", creation.VirtualHost);
        Assert.NotEqual(0, creation.StoreId);
        Assert.Same(broker.Store, creation.Store);
    }

    [Fact]
    public void A_refused_type_creates_nothing()
    {
        var vhost = DefaultVirtualHost(NewBroker());

        var error = Assert.Throws<BrokerException>(() => vhost.DeclareQueue("q", Durable("stream"), passive: false, _connection));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.False(vhost.TryGetQueue("q", out _));
    }

    [Fact]
    public void The_saved_definitions_name_each_queue_type_and_a_restore_makes_it_again()
    {
        var vhost = DefaultVirtualHost(NewBroker());
        vhost.DeclareQueue("plain", Durable(), passive: false, _connection);
        var saved = Assert.Single(vhost.BuildRecord().Queues);
        Assert.Equal("classic", saved.Type);

        var record = new VirtualHostRecord { Name = "/", Queues = [saved, saved with { Name = "typed", StoreId = 2, Type = "other" }] };
        var restored = NewBroker();
        restored.Restore(new DefinitionSnapshot { VirtualHosts = [record], LastQueueStoreId = 2 }, new Dictionary<int, List<RecoveredMessage>>());

        var creation = Assert.Single(_other.Created);
        Assert.Equal("typed", creation.Name);
        Assert.Equal(2, creation.StoreId);
        Assert.True(DefaultVirtualHost(restored).TryGetQueue("plain", out var plain));
        Assert.Equal("classic", plain.Type);
    }

    [Fact]
    public void A_saved_queue_of_a_type_this_build_lacks_stops_the_restore()
    {
        var record = new VirtualHostRecord { Name = "/", Queues = [new QueueRecord("s", 1, false, new Dictionary<string, object?>(), "stream")] };

        var error = Assert.Throws<InvalidDataException>(() =>
            NewBroker().Restore(new DefinitionSnapshot { VirtualHosts = [record], LastQueueStoreId = 1 }, new Dictionary<int, List<RecoveredMessage>>()));

        Assert.Contains("queue 's' in vhost '/' is of type 'stream'", error.Message, StringComparison.Ordinal);
    }
}
