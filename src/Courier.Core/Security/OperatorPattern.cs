using System.Text.RegularExpressions;

namespace Courier.Core.Security;

/// <summary>
/// The regular expressions an operator writes (permissions, topic permissions, policy patterns:
/// RabbitMQ's PCRE patterns), matched on every declare, publish, bind or subscribe.
/// </summary>
/// <remarks>
/// They run on the non-backtracking engine, which matches in time linear in the name, so no pattern
/// can stall a connection or the definitions lock, and they have no match timeout: a timeout fires
/// whenever the matching thread is held up long enough (a loaded machine, a pause), and would fail a
/// declare or a publish that was allowed. Patterns that engine cannot run (back-references,
/// look-arounds), which PCRE accepts, use the backtracking engine.
/// </remarks>
public static class OperatorPattern
{
    /// <summary>Compiles <paramref name="pattern"/>; throws <see cref="ArgumentException"/> when it is not a regular expression.</summary>
    public static Regex Compile(string pattern) => Compile(pattern, RegexOptions.None, Regex.InfiniteMatchTimeout);

    /// <summary>
    /// Compiles <paramref name="pattern"/> with <paramref name="options"/> added; a pattern the
    /// non-backtracking engine cannot run gets <paramref name="backtrackingTimeout"/> (a pattern from
    /// an API user, as the management lists' <c>use_regex</c> filter, keeps one there).
    /// </summary>
    public static Regex Compile(string pattern, RegexOptions options, TimeSpan backtrackingTimeout)
    {
        try
        {
            return new Regex(pattern, options | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, options | RegexOptions.CultureInvariant, backtrackingTimeout);
        }
    }
}
