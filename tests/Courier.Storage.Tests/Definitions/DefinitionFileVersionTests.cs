using Courier.Core.Messages;
using Courier.Storage.Definitions;

namespace Courier.Storage.Tests.Definitions;

/// <summary>
/// definitions.json across format versions: version 1 (argument tables as AMQP field tables, as
/// releases up to 3b12d1b wrote them) still loads with every argument's type; a version this
/// build does not know is refused, never misread.
/// </summary>
public sealed class DefinitionFileVersionTests : IDisposable
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
    public void A_version_1_file_loads_with_its_arguments_and_is_saved_back_as_the_current_version()
    {
        // { "x-max-length": I 10, "x-queue-mode": S "lazy", "x-flag": t 1 } as an AMQP field table.
        byte[] table =
        [
            0, 0, 0, 49,
            12, .. "x-max-length"u8, (byte)'I', 0, 0, 0, 10,
            12, .. "x-queue-mode"u8, (byte)'S', 0, 0, 0, 4, .. "lazy"u8,
            6, .. "x-flag"u8, (byte)'t', 1,
        ];
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "definitions.json"), $$"""
            {
              "Version": 1,
              "LastQueueStoreId": 3,
              "Users": [],
              "Permissions": [],
              "VirtualHosts": [
                { "Name": "/", "Exchanges": [], "Bindings": [],
                  "Queues": [ { "Name": "q", "StoreId": 3, "AutoDelete": false, "Arguments": "{{Convert.ToBase64String(table)}}" } ] }
              ]
            }
            """);
        var expected = new Dictionary<string, object?> { ["x-max-length"] = 10, ["x-queue-mode"] = "lazy"u8.ToArray(), ["x-flag"] = true };

        var store = new FileDefinitionStore(_directory);
        var loaded = store.Load()!;
        store.Save(loaded);
        var again = new FileDefinitionStore(_directory).Load()!;

        Assert.True(FieldTable.TableEquals(expected, loaded.VirtualHosts[0].Queues[0].Arguments));
        Assert.True(FieldTable.TableEquals(expected, again.VirtualHosts[0].Queues[0].Arguments));
        Assert.Contains("\"Version\": 2", File.ReadAllText(Path.Combine(_directory, "definitions.json")));
    }

    [Fact]
    public void A_file_of_a_newer_version_is_refused_with_its_version_named()
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "definitions.json"),
            """{ "Version": 99, "LastQueueStoreId": 0, "Users": [], "Permissions": [], "VirtualHosts": [] }""");

        var refused = Assert.Throws<InvalidDataException>(() => new FileDefinitionStore(_directory).Load());

        Assert.Contains("version 99", refused.Message);
    }
}
