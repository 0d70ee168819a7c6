using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary>What a command's action works with: the parse, the API client and the two writers.</summary>
internal sealed class CommandContext(ParseResult parse, ManagementApiClient api, TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public ParseResult Parse { get; } = parse;

    public ManagementApiClient Api { get; } = api;

    public TextWriter Output { get; } = output;

    public bool Json { get; } = json;

    /// <summary>The global vhost, encoded for a path.</summary>
    public string VirtualHost => Api.VirtualHostSegment;

    public T Value<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Value<T>(Argument<T> argument) => Parse.GetValue(argument)!;

    public void WriteJson(JsonNode? node) => Output.WriteLine(node is null ? "{}" : node.ToJsonString(Indented));

    /// <summary>The confirmation of a change: a line for people, nothing in JSON mode but the API's answer if it had one.</summary>
    public void Done(string message, JsonNode? answer = null)
    {
        if (Json)
        {
            if (answer is not null)
            {
                WriteJson(answer);
            }
        }
        else
        {
            Output.WriteLine(message);
        }
    }
}

/// <summary>Input the user gave that courierctl refuses before calling the API (bad JSON, a missing file).</summary>
internal sealed class UsageError(string message) : Exception(message);
