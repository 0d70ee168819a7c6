using Courier.Core.Messages;
using Courier.Core.Storage;
using Courier.Storage.Definitions;

namespace Courier.Storage.Tests.Definitions;

/// <summary>
/// The definitions file: what is saved loads back the same, with every argument keeping its exact
/// type (an int stays an int, not a long), and a crash in the middle of a save never leaves a
/// half-written snapshot where the last good one was.
/// </summary>
public sealed class FileDefinitionStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-definitions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void Nothing_saved_loads_as_null()
    {
        Assert.Null(new FileDefinitionStore(_directory).Load());
    }

    [Fact]
    public void A_saved_snapshot_loads_back_the_same_with_every_argument_keeping_its_type()
    {
        var snapshot = Snapshot(generation: 1);

        new FileDefinitionStore(_directory).Save(snapshot);
        var loaded = new FileDefinitionStore(_directory).Load();

        AssertSameSnapshot(snapshot, loaded);
    }

    [Fact]
    public void A_later_save_replaces_the_earlier_snapshot()
    {
        var store = new FileDefinitionStore(_directory);
        store.Save(Snapshot(generation: 1));
        var second = Snapshot(generation: 2) with { VirtualHosts = [new VirtualHostRecord { Name = "/" }] };

        store.Save(second);

        AssertSameSnapshot(second, new FileDefinitionStore(_directory).Load());
    }

    [Fact]
    public void A_temporary_file_left_by_a_crash_mid_save_does_not_affect_load_or_the_next_save()
    {
        // 1. A good snapshot is saved.
        var store = new FileDefinitionStore(_directory);
        var good = Snapshot(generation: 1);
        store.Save(good);

        // 2. The next save crashed after writing half of its temporary file.
        var temporary = Path.Combine(_directory, "definitions.json.tmp");
        File.WriteAllText(temporary, "{ \"Version\": 1, \"LastQueueStoreId\": 99, \"Users\": [ { \"Na");

        // 3. After restart the good snapshot loads.
        AssertSameSnapshot(good, new FileDefinitionStore(_directory).Load());

        // 4. And the next save goes through, replacing the leftover.
        var next = Snapshot(generation: 3);
        new FileDefinitionStore(_directory).Save(next);
        AssertSameSnapshot(next, new FileDefinitionStore(_directory).Load());
        Assert.False(File.Exists(temporary));
    }

    [Fact]
    public void A_queue_saved_before_queue_types_existed_loads_as_classic()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "definitions.json"), """
            {
              "Version": 1,
              "LastQueueStoreId": 1,
              "Users": [],
              "Permissions": [],
              "VirtualHosts": [ { "Name": "/", "Exchanges": [], "Queues": [ { "Name": "old", "StoreId": 1, "AutoDelete": false } ], "Bindings": [] } ]
            }
            """);

        var queue = Assert.Single(Assert.Single(new FileDefinitionStore(_directory).Load()!.VirtualHosts).Queues);

        Assert.Equal("old", queue.Name);
        Assert.Equal("classic", queue.Type);
        Assert.Empty(Assert.Single(new FileDefinitionStore(_directory).Load()!.VirtualHosts).Policies);
    }

    private static DefinitionSnapshot Snapshot(int generation)
    {
        var typed = new Dictionary<string, object?>
        {
            ["x-max-length"] = 1000 + generation,
            ["x-message-ttl"] = 60_000L,
            ["x-queue-mode"] = "lazy"u8.ToArray(),
            ["x-single-active-consumer"] = true,
            ["x-max-priority"] = (byte)9,
            ["short"] = (short)-2,
            ["ratio"] = 0.75d,
            ["price"] = 3.14m,
            ["since"] = new Timestamp(1_700_000_000),
            ["blob"] = new BinaryValue([1, 2, 3]),
            ["nothing"] = null,
            ["nested"] = new Dictionary<string, object?> { ["inner"] = 1L, ["list"] = new List<object?> { 1, "a"u8.ToArray(), false } },
        };
        return new DefinitionSnapshot
        {
            LastQueueStoreId = 40 + generation,
            VirtualHosts =
            [
                new VirtualHostRecord
                {
                    Name = "/",
                    Exchanges =
                    [
                        new ExchangeRecord("orders", "topic", AutoDelete: false, Internal: false, new Dictionary<string, object?> { ["alternate-exchange"] = "unrouted"u8.ToArray() }),
                        new ExchangeRecord("internal", "fanout", AutoDelete: true, Internal: true, FieldTable.Empty),
                    ],
                    Queues =
                    [
                        new QueueRecord("orders.created", StoreId: 1, AutoDelete: false, typed),
                        new QueueRecord("plain", StoreId: 2, AutoDelete: true, FieldTable.Empty, Type: "stream"),
                    ],
                    Bindings =
                    [
                        new BindingRecord("orders", "orders.created", DestinationIsQueue: true, "orders.*.created", new Dictionary<string, object?> { ["x-match"] = "all"u8.ToArray(), ["n"] = generation }),
                        new BindingRecord("orders", "internal", DestinationIsQueue: false, "#", FieldTable.Empty),
                    ],
                    Policies =
                    [
                        new PolicyRecord("limits", "^orders\\.", "queues", 2, new Dictionary<string, object?> { ["max-length"] = 10L + generation, ["dead-letter-exchange"] = "dlx" }, Operator: false),
                        new PolicyRecord("cap", ".*", "all", -1, new Dictionary<string, object?> { ["message-ttl"] = 60_000L }, Operator: true),
                    ],
                },
                new VirtualHostRecord { Name = "tenant-ø" },
            ],
            Users =
            [
                new UserRecord("guest", [1, 2, 3, 4], [.. Enumerable.Range(0, 32).Select(i => (byte)(i * generation))], ["administrator"]),
                new UserRecord("app", [9], [8, 7], []),
            ],
            Permissions =
            [
                new PermissionRecord("guest", "/", ".*", ".*", ".*"),
                new PermissionRecord("app", "tenant-ø", "^$", "orders", "^orders\\..*"),
            ],
        };
    }

    private static void AssertSameSnapshot(DefinitionSnapshot expected, DefinitionSnapshot? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.LastQueueStoreId, actual.LastQueueStoreId);
        Assert.Equal(expected.Permissions, actual.Permissions);
        Assert.Equal(expected.Users.Count, actual.Users.Count);
        foreach (var (e, a) in expected.Users.Zip(actual.Users))
        {
            Assert.Equal(e.Name, a.Name);
            Assert.Equal(e.Salt, a.Salt);
            Assert.Equal(e.PasswordHash, a.PasswordHash);
            Assert.Equal(e.Tags, a.Tags);
        }

        Assert.Equal(expected.VirtualHosts.Select(v => v.Name), actual.VirtualHosts.Select(v => v.Name));
        foreach (var (e, a) in expected.VirtualHosts.Zip(actual.VirtualHosts))
        {
            Assert.Equal(e.Exchanges.Select(x => (x.Name, x.Type, x.AutoDelete, x.Internal)), a.Exchanges.Select(x => (x.Name, x.Type, x.AutoDelete, x.Internal)));
            Assert.All(e.Exchanges.Zip(a.Exchanges), p => AssertSameTable(p.First.Arguments, p.Second.Arguments));
            Assert.Equal(e.Queues.Select(q => (q.Name, q.StoreId, q.AutoDelete, q.Type)), a.Queues.Select(q => (q.Name, q.StoreId, q.AutoDelete, q.Type)));
            Assert.All(e.Queues.Zip(a.Queues), p => AssertSameTable(p.First.Arguments, p.Second.Arguments));
            Assert.Equal(
                e.Bindings.Select(b => (b.Source, b.Destination, b.DestinationIsQueue, b.RoutingKey)),
                a.Bindings.Select(b => (b.Source, b.Destination, b.DestinationIsQueue, b.RoutingKey)));
            Assert.All(e.Bindings.Zip(a.Bindings), p => AssertSameTable(p.First.Arguments, p.Second.Arguments));
            Assert.Equal(
                e.Policies.Select(p => (p.Name, p.Pattern, p.ApplyTo, p.Priority, p.Operator)),
                a.Policies.Select(p => (p.Name, p.Pattern, p.ApplyTo, p.Priority, p.Operator)));
            Assert.All(e.Policies.Zip(a.Policies), p => AssertSameTable(p.First.Definition, p.Second.Definition));
        }
    }

    private static void AssertSameTable(IReadOnlyDictionary<string, object?> expected, IReadOnlyDictionary<string, object?> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected)
        {
            Assert.True(FieldTable.ValueEquals(value, actual[key]), $"argument {key}: wrote {Describe(value)}, read {Describe(actual[key])}");
        }
    }

    private static string Describe(object? value) => value is null ? "null" : $"{value} ({value.GetType().Name})";
}
