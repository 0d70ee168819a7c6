using Courier.Storage.Definitions;

namespace Courier.Storage.Tests.Definitions;

/// <summary>
/// definitions.json that is valid JSON but not a whole definitions file, as afl-fuzz produced them
/// (fuzz/run.sh, target definitions; the inputs found are in fuzz/corpus/definitions/): each is
/// refused with <see cref="InvalidDataException"/> naming what is missing, where loading it threw
/// ArgumentNullException, NullReferenceException or FormatException from deep inside.
/// </summary>
public sealed class DamagedDefinitionFileTests : IDisposable
{
    private const string Host = """{"Name":"/","Exchanges":[],"Queues":[],"Bindings":[]}""";
    private const string User = """{"Name":"guest","Salt":"AQID","PasswordHash":"BAUG","Tags":[]}""";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "courier-definitions-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("""{"Version":2}""", "Users")]
    [InlineData("""{"Version":2,"Users":[],"Permissions":[]}""", "VirtualHosts")]
    [InlineData("""{"Version":2,"Users":[],"VirtualHosts":[]}""", "Permissions")]
    [InlineData("""{"Version":2,"Users":[null],"Permissions":[],"VirtualHosts":[]}""", "a user")]
    [InlineData("""{"Version":2,"Users":[{"Salt":"AQID","PasswordHash":"BAUG","Tags":[]}],"Permissions":[],"VirtualHosts":[]}""", "a user's Name")]
    [InlineData("""{"Version":2,"Users":[{"Name":"guest","Salt":"AQID","PasswordHash":"BAUG"}],"Permissions":[],"VirtualHosts":[]}""", "Tags")]
    [InlineData("""{"Version":2,"Users":[],"Permissions":[],"VirtualHosts":[{"Name":"/"}]}""", "Exchanges")]
    [InlineData("""{"Version":2,"Users":[],"Permissions":[],"VirtualHosts":[{"Name":"/","Exchanges":[{"Name":"x"}],"Queues":[],"Bindings":[]}]}""", "Type")]
    public void A_file_missing_part_of_its_structure_is_refused_naming_the_part(string json, string part)
    {
        var store = Write(json);

        var refused = Assert.Throws<InvalidDataException>(store.Load);
        Assert.Contains(part, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"Version":2,"Users":[{"Name":"guest","Salt":"not base64!","PasswordHash":"BAUG","Tags":[]}],"Permissions":[],"VirtualHosts":[]}""")]
    [InlineData("{\"Version\":2,\"Users\":[" + User + "],\"Permissions\":[],\"VirtualHosts\":[{\"Name\":\"/\",\"Exchanges\":[],\"Queues\":[{\"Name\":\"q\",\"StoreId\":1,\"Arguments\":\"%%\"}],\"Bindings\":[]}]}")]
    public void Base64_that_is_not_base64_is_refused_as_invalid_data(string json)
    {
        var store = Write(json);

        Assert.Throws<InvalidDataException>(store.Load);
    }

    [Fact]
    public void A_whole_file_still_loads()
    {
        var store = Write("{\"Version\":2,\"Users\":[" + User + "],\"Permissions\":[],\"VirtualHosts\":[" + Host + "]}");

        var snapshot = store.Load();

        Assert.NotNull(snapshot);
        Assert.Equal("guest", Assert.Single(snapshot.Users).Name);
        Assert.Equal("/", Assert.Single(snapshot.VirtualHosts).Name);
    }

    private FileDefinitionStore Write(string json)
    {
        Directory.CreateDirectory(_directory);
        File.WriteAllText(Path.Combine(_directory, "definitions.json"), json);
        return new FileDefinitionStore(_directory);
    }
}
