using System.Collections;
using System.CommandLine;
using Courier.Cli.Commands;

namespace Courier.Cli;

/// <summary>
/// courierctl's command tree. <see cref="RunAsync"/> is the whole program with its writers and
/// environment given, so tests run it in process exactly as the executable does.
/// </summary>
public static class CourierCtl
{
    public static RootCommand Build(IReadOnlyDictionary<string, string?> environment)
    {
        var global = new GlobalOptions(environment);
        var root = new RootCommand("courierctl: manage a Courier (or RabbitMQ) broker through its management HTTP API");
        foreach (var option in global.All)
        {
            root.Add(option);
        }

        root.With(
            StatusCommand.Create(global),
            ListCommand.Create(global),
            DeclareCommand.Create(global),
            DeleteCommand.Create(global),
            OperateCommands.Purge(global),
            OperateCommands.Close(global),
            DefinitionsCommands.Export(global),
            DefinitionsCommands.Import(global),
            MessageCommands.Publish(global),
            MessageCommands.Get(global));
        return root;
    }

    public static Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default)
    {
        environment ??= ProcessEnvironment();
        var parse = Build(environment).Parse(args);
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }

    private static Dictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables[(string)entry.Key] = entry.Value as string;
        }

        return variables;
    }
}
