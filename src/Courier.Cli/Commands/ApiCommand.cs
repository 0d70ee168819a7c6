using System.CommandLine;
using System.Net.Http;
using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Api;

namespace Courier.Cli.Commands;

/// <summary>
/// Wires a command to the API: builds the client from the global options, runs the action, and
/// turns failures into exit codes with the reason on stderr (the API's <c>reason</c> for a refusal).
/// </summary>
internal static class ApiCommand
{
    /// <summary>The API refused the request (401, 404, 400, ...).</summary>
    public const int Refused = 1;

    /// <summary>The input was refused before calling the API (sysexits' EX_USAGE).</summary>
    public const int BadInput = 64;

    /// <summary>The API could not be reached (sysexits' EX_UNAVAILABLE, as rabbitmqctl).</summary>
    public const int Unreachable = 69;

    public static Command With(this Command command, params Symbol[] symbols)
    {
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option: command.Add(option); break;
                case Argument argument: command.Add(argument); break;
                case Command sub: command.Add(sub); break;
            }
        }

        return command;
    }

    public static Command Runs(this Command command, GlobalOptions global, Func<CommandContext, CancellationToken, Task> action)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            ConnectionSettings? settings = null;
            try
            {
                settings = global.SettingsFrom(parse);
                using var api = new ManagementApiClient(settings);
                await action(new CommandContext(parse, api, output, parse.GetValue(global.Json)), cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (ApiError e)
            {
                await error.WriteLineAsync($"courierctl: {(int)e.Status} {e.Status}: {e.Message}").ConfigureAwait(false);
                return Refused;
            }
            catch (UsageError e)
            {
                await error.WriteLineAsync($"courierctl: {e.Message}").ConfigureAwait(false);
                return BadInput;
            }
            catch (HttpRequestException e)
            {
                await error.WriteLineAsync($"courierctl: cannot reach {settings!.BaseUrl}: {e.Message}").ConfigureAwait(false);
                return Unreachable;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await error.WriteLineAsync($"courierctl: {settings!.BaseUrl} did not answer within {settings.Timeout.TotalSeconds:F0} s").ConfigureAwait(false);
                return Unreachable;
            }
        });
        return command;
    }

    /// <summary>Parses a JSON object given on the command line (<c>--arguments '{"x-max-length":10}'</c>).</summary>
    public static JsonObject JsonObjectOption(string? text, string optionName)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new UsageError($"{optionName} must be a JSON object, got: {text}");
        }
        catch (JsonException e)
        {
            throw new UsageError($"{optionName} is not valid JSON: {e.Message}");
        }
    }
}
