using System.Text;
using Courier.Core.Queues;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Queues;

/// <summary>Which queue type a declaration's <c>x-queue-type</c> asks for, and what is refused.</summary>
public sealed class QueueTypeRegistryTests
{
    private const string What = "queue 'q' in vhost '/'";
    private readonly QueueTypeRegistry _types = QueueTypeRegistry.Default;

    private static Dictionary<string, object?> OfType(object? type) => new() { [QueueTypeRegistry.Argument] = type };

    private BrokerException Refused(object? type)
    {
        var error = Assert.Throws<BrokerException>(() => _types.Resolve(OfType(type), What));
        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        return error;
    }

    [Fact]
    public void No_type_means_classic()
    {
        Assert.Same(ClassicQueueType.Instance, _types.Resolve(new Dictionary<string, object?>(), What));
        Assert.Equal("classic", _types.TypeNameOf(new Dictionary<string, object?>()));
    }

    [Fact]
    public void Classic_is_accepted_as_a_string_or_as_the_bytes_of_a_field_table_long_string()
    {
        Assert.Same(ClassicQueueType.Instance, _types.Resolve(OfType("classic"), What));
        Assert.Same(ClassicQueueType.Instance, _types.Resolve(OfType(Encoding.UTF8.GetBytes("classic")), What));
    }

    [Theory]
    [InlineData("quorum")]
    [InlineData("stream")]
    public void Types_not_built_yet_are_refused_naming_what_exists(string type)
    {
        Assert.Equal(
            $"invalid arg 'x-queue-type' for queue 'q' in vhost '/': queue type '{type}' is not supported yet; supported: classic",
            Refused(Encoding.UTF8.GetBytes(type)).Message);
    }

    [Theory]
    [InlineData("lazy")]
    [InlineData("Classic")]
    [InlineData("")]
    public void Unknown_types_are_refused(string type)
    {
        Assert.Equal($"invalid arg 'x-queue-type' for queue 'q' in vhost '/': unknown queue type '{type}'; supported: classic", Refused(type).Message);
    }

    [Theory]
    [InlineData(42)]
    [InlineData(true)]
    [InlineData(null)]
    public void A_type_that_is_not_a_string_is_refused(object? type)
    {
        Assert.Contains("invalid arg 'x-queue-type' for queue 'q' in vhost '/'", Refused(type).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_registry_makes_the_types_it_was_given_and_the_first_is_the_default()
    {
        var other = new RecordingQueueType("other");
        var types = new QueueTypeRegistry([ClassicQueueType.Instance, other], ["stream"]);

        Assert.Same(other, types.Resolve(OfType("other"), What));
        Assert.Same(ClassicQueueType.Instance, types.DefaultType);
        Assert.Equal("classic, other", types.Supported);
        Assert.True(types.TryGet("other", out var found));
        Assert.Same(other, found);
        Assert.False(types.TryGet("stream", out _));
    }
}
