using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Courier.Core.Tests.Exchanges;

/// <summary>
/// Checks <see cref="TopicTrie"/> against a plain recursive matcher over word lists, which states
/// RabbitMQ's rules directly: <c>*</c> is one word, <c>#</c> zero or more, and a key or pattern
/// is split on dots except that the empty string has no words at all.
/// </summary>
public class TopicTriePropertyTests
{
    [Property(Arbitrary = [typeof(TopicArbitraries)], MaxTest = 2000)]
    public bool Trie_matches_what_the_reference_matcher_matches(TopicCase topic) =>
        MatchedIndexes(Build(topic.Patterns, out _), topic.Key).SetEquals(ReferenceIndexes(topic.Patterns, topic.Key));

    [Property(Arbitrary = [typeof(TopicWithEmptyWordsArbitraries)], MaxTest = 2000)]
    public bool Trie_matches_what_the_reference_matcher_matches_with_empty_words(TopicCase topic) =>
        MatchedIndexes(Build(topic.Patterns, out _), topic.Key).SetEquals(ReferenceIndexes(topic.Patterns, topic.Key));

    [Property(Arbitrary = [typeof(TopicArbitraries)], MaxTest = 1000)]
    public bool Removed_patterns_stop_matching_and_the_rest_still_match(TopicRemovalCase topic)
    {
        var trie = Build(topic.Patterns, out var destinations);
        var kept = new List<string?>();
        for (var i = 0; i < topic.Patterns.Length; i++)
        {
            if (topic.Remove[i])
            {
                trie.Remove(topic.Patterns[i], destinations[i]);
                kept.Add(null);
            }
            else
            {
                kept.Add(topic.Patterns[i]);
            }
        }

        var expected = new HashSet<int>();
        for (var i = 0; i < kept.Count; i++)
        {
            if (kept[i] is { } pattern && ReferenceMatch(Words(pattern), 0, Words(topic.Key), 0))
            {
                expected.Add(i);
            }
        }

        return trie.PatternCount == kept.Count(p => p is not null) && MatchedIndexes(trie, topic.Key).SetEquals(expected);
    }

    [Property(Arbitrary = [typeof(TopicArbitraries)], MaxTest = 500)]
    public bool After_every_pattern_is_removed_no_key_matches(TopicCase topic)
    {
        var trie = Build(topic.Patterns, out var destinations);
        for (var i = 0; i < topic.Patterns.Length; i++)
        {
            trie.Remove(topic.Patterns[i], destinations[i]);
        }

        var matched = new List<IBindingDestination>();
        trie.Match(topic.Key, matched);
        trie.Match(string.Empty, matched);
        return trie.PatternCount == 0 && matched.Count == 0;
    }

    private static TopicTrie Build(string[] patterns, out TestDestination[] destinations)
    {
        var trie = new TopicTrie();
        destinations = new TestDestination[patterns.Length];
        for (var i = 0; i < patterns.Length; i++)
        {
            destinations[i] = new TestDestination(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            trie.Add(patterns[i], destinations[i]);
        }

        return trie;
    }

    private static HashSet<int> MatchedIndexes(TopicTrie trie, string key)
    {
        var matched = new List<IBindingDestination>();
        trie.Match(key, matched);
        return matched.Select(d => int.Parse(d.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
    }

    private static HashSet<int> ReferenceIndexes(string[] patterns, string key)
    {
        var result = new HashSet<int>();
        for (var i = 0; i < patterns.Length; i++)
        {
            if (ReferenceMatch(Words(patterns[i]), 0, Words(key), 0))
            {
                result.Add(i);
            }
        }

        return result;
    }

    private static string[] Words(string topic) => topic.Length == 0 ? [] : topic.Split('.');

    private static bool ReferenceMatch(string[] pattern, int p, string[] key, int k)
    {
        if (p == pattern.Length)
        {
            return k == key.Length;
        }

        if (pattern[p] == "#")
        {
            return ReferenceMatch(pattern, p + 1, key, k) || (k < key.Length && ReferenceMatch(pattern, p, key, k + 1));
        }

        return k < key.Length
            && (pattern[p] == "*" || pattern[p] == key[k])
            && ReferenceMatch(pattern, p + 1, key, k + 1);
    }
}

public sealed record TopicCase(string[] Patterns, string Key)
{
    public override string ToString() => $"patterns [{string.Join(", ", Patterns.Select(p => $"\"{p}\""))}] key \"{Key}\"";
}

public sealed record TopicRemovalCase(string[] Patterns, bool[] Remove, string Key)
{
    public override string ToString() =>
        $"patterns [{string.Join(", ", Patterns.Select((p, i) => $"\"{p}\"{(Remove[i] ? " (removed)" : string.Empty)}"))}] key \"{Key}\"";
}

/// <summary>Patterns over {a,b,c,*,#} and keys over {a,b,c}, each of 0-5 words.</summary>
public static class TopicArbitraries
{
    public static Arbitrary<TopicCase> Case() => TopicGenerators.Case(["a", "b", "c", "*", "#"], ["a", "b", "c"]).ToArbitrary();

    public static Arbitrary<TopicRemovalCase> RemovalCase() => TopicGenerators.RemovalCase(["a", "b", "c", "*", "#"], ["a", "b", "c"]).ToArbitrary();
}

/// <summary>As <see cref="TopicArbitraries"/>, with the empty word added to both alphabets.</summary>
public static class TopicWithEmptyWordsArbitraries
{
    public static Arbitrary<TopicCase> Case() => TopicGenerators.Case(["a", "b", "*", "#", ""], ["a", "b", ""]).ToArbitrary();
}

internal static class TopicGenerators
{
    public static Gen<string> Topic(string[] alphabet) =>
        Gen.Choose(0, 5).SelectMany(n => Gen.Elements(alphabet).ArrayOf(n)).Select(words => string.Join('.', words));

    public static Gen<string[]> Patterns(string[] alphabet) =>
        Gen.Choose(1, 8).SelectMany(n => Topic(alphabet).ArrayOf(n));

    public static Gen<TopicCase> Case(string[] patternAlphabet, string[] keyAlphabet) =>
        from patterns in Patterns(patternAlphabet)
        from key in Topic(keyAlphabet)
        select new TopicCase(patterns, key);

    public static Gen<TopicRemovalCase> RemovalCase(string[] patternAlphabet, string[] keyAlphabet) =>
        from patterns in Patterns(patternAlphabet)
        from remove in Gen.Elements(true, false).ArrayOf(patterns.Length)
        from key in Topic(keyAlphabet)
        select new TopicRemovalCase(patterns, remove, key);
}
