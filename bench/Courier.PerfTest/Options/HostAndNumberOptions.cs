using System.Globalization;

namespace Courier.PerfTest.Options;

/// <summary>
/// The argument loop of the scenarios whose options are <c>--host H</c> and otherwise flags taking
/// one whole number each (<c>retained</c>, <c>mgmt-scale</c>): <paramref name="withNumber"/> applies a
/// flag, or gives null for one it does not know.
/// </summary>
public static class HostAndNumberOptions
{
    public static T? Parse<T>(ReadOnlySpan<string> args, T options, Func<T, string, T> withHost, Func<T, string, int, T?> withNumber, out string? error)
        where T : class
    {
        error = null;
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                error = $"{args[i]} needs a value";
                return null;
            }

            var value = args[i + 1];
            if (args[i] == "--host")
            {
                options = withHost(options, value);
                continue;
            }

            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                error = $"{args[i]} needs a number, not '{value}'";
                return null;
            }

            if (withNumber(options, args[i], number) is not { } next)
            {
                error = $"unknown option {args[i]}";
                return null;
            }

            options = next;
        }

        return options;
    }
}
