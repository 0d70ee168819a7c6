using Courier.Core.Exchanges;
using Courier.Core.Tests.Support;

namespace Courier.Core.Tests.Exchanges;

public class TopicTrieTests
{
    private static bool Matches(string pattern, string routingKey)
    {
        var trie = new TopicTrie();
        var destination = new TestDestination("q");
        trie.Add(pattern, destination);
        var matched = new List<IBindingDestination>();
        trie.Match(routingKey, matched);
        return matched.Contains(destination);
    }

    private static List<IBindingDestination> MatchDistinct(TopicTrie trie, string routingKey)
    {
        var matched = new List<IBindingDestination>();
        trie.Match(routingKey, matched);
        return matched.Distinct().ToList();
    }

    [Theory]
    [InlineData("a.b.c", "a.b.c", true)]
    [InlineData("a.b.c", "a.b", false)]
    [InlineData("a.b", "a.b.c", false)]
    [InlineData("a.b.c", "a.b.d", false)]
    [InlineData("A.b", "a.b", false)]
    public void Literal_patterns_match_only_the_same_words(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Theory]
    [InlineData("a.*", "a.b", true)]
    [InlineData("a.*", "a", false)]
    [InlineData("a.*", "a.b.c", false)]
    [InlineData("*.b", "a.b", true)]
    [InlineData("*", "a", true)]
    [InlineData("*", "", false)]
    [InlineData("*", "a.b", false)]
    [InlineData("*.*", "a.b", true)]
    [InlineData("a.*.c", "a.b.c", true)]
    [InlineData("a.*.c", "a.c", false)]
    public void Star_matches_exactly_one_word(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Theory]
    [InlineData("#", "", true)]
    [InlineData("#", "a", true)]
    [InlineData("#", "a.b.c", true)]
    [InlineData("a.#", "a", true)]
    [InlineData("a.#", "a.b.c", true)]
    [InlineData("a.#", "b.a", false)]
    [InlineData("#.a", "a", true)]
    [InlineData("#.a", "b.c.a", true)]
    [InlineData("#.a", "a.b", false)]
    [InlineData("a.#.b", "a.b", true)]
    [InlineData("a.#.b", "a.x.y.b", true)]
    [InlineData("a.#.b", "a.x.y", false)]
    [InlineData("a.#.b", "a.b.b", true)]
    public void Hash_matches_zero_or_more_words(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Theory]
    [InlineData("#.#", "", true)]
    [InlineData("#.#", "a", true)]
    [InlineData("#.#", "a.b.c", true)]
    [InlineData("*.#", "", false)]
    [InlineData("*.#", "a", true)]
    [InlineData("*.#", "a.b.c", true)]
    [InlineData("#.*", "", false)]
    [InlineData("#.*", "a", true)]
    [InlineData("#.*", "a.b.c", true)]
    [InlineData("#.*.#", "a", true)]
    [InlineData("#.*.*", "a", false)]
    [InlineData("#.*.*", "a.b", true)]
    [InlineData("a.#.#.b", "a.b", true)]
    [InlineData("a.#.*.#.c", "a.c", false)]
    [InlineData("a.#.*.#.c", "a.b.c", true)]
    public void Adjacent_wildcards_combine_as_in_RabbitMQ(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("a", "", false)]
    [InlineData("#", "", true)]
    [InlineData("*", "", false)]
    public void Empty_routing_key_has_zero_words(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Theory]
    [InlineData("a..b", "a..b", true)]
    [InlineData("a.*.b", "a..b", true)]
    [InlineData("a.#", "a.", true)]
    [InlineData("a.*", "a.", true)]
    [InlineData("a", "a.", false)]
    [InlineData("*.*", ".", true)]
    [InlineData("*", ".", false)]
    [InlineData("#.b", ".b", true)]
    [InlineData("a..b", "a.b", false)]
    public void Empty_words_are_words(string pattern, string key, bool expected) =>
        Assert.Equal(expected, Matches(pattern, key));

    [Fact]
    public void Two_patterns_to_one_destination_route_it_and_removing_one_keeps_the_other()
    {
        var trie = new TopicTrie();
        var queue = new TestDestination("q");
        trie.Add("a.*", queue);
        trie.Add("#.b", queue);

        Assert.Equal([queue], MatchDistinct(trie, "a.b"));

        trie.Remove("a.*", queue);
        Assert.Equal([queue], MatchDistinct(trie, "a.b"));
        Assert.Empty(MatchDistinct(trie, "a.c"));

        trie.Remove("#.b", queue);
        Assert.Empty(MatchDistinct(trie, "a.b"));
        Assert.Equal(0, trie.PatternCount);
    }

    [Fact]
    public void One_pattern_added_twice_for_a_destination_needs_two_removes()
    {
        var trie = new TopicTrie();
        var queue = new TestDestination("q");
        trie.Add("a.#", queue);
        trie.Add("a.#", queue);

        trie.Remove("a.#", queue);
        Assert.Equal([queue], MatchDistinct(trie, "a.b"));

        trie.Remove("a.#", queue);
        Assert.Empty(MatchDistinct(trie, "a.b"));
    }

    [Fact]
    public void Removing_one_destination_keeps_the_others_on_the_same_pattern()
    {
        var trie = new TopicTrie();
        var first = new TestDestination("q1");
        var second = new TestDestination("q2");
        trie.Add("a.*", first);
        trie.Add("a.*", second);

        trie.Remove("a.*", first);

        Assert.Equal([second], MatchDistinct(trie, "a.b"));
        Assert.Equal(1, trie.PatternCount);
    }

    [Fact]
    public void Removing_a_binding_that_was_never_added_changes_nothing()
    {
        var trie = new TopicTrie();
        var bound = new TestDestination("bound");
        var stranger = new TestDestination("stranger");
        trie.Add("a.b", bound);

        trie.Remove("a.b", stranger);
        trie.Remove("a.c", bound);
        trie.Remove("a", bound);

        Assert.Equal(1, trie.PatternCount);
        Assert.Equal([bound], MatchDistinct(trie, "a.b"));
    }

    [Fact]
    public void Removing_every_pattern_leaves_nothing_that_matches()
    {
        var trie = new TopicTrie();
        var words = new[] { "a", "b", "*", "#", "" };
        var patterns = new List<string>();
        foreach (var w1 in words)
        {
            foreach (var w2 in words)
            {
                foreach (var w3 in words)
                {
                    patterns.Add($"{w1}.{w2}.{w3}");
                    patterns.Add($"{w1}.{w2}");
                }

                patterns.Add(w1);
            }
        }

        var queues = patterns.Select(p => new TestDestination(p)).ToList();
        for (var i = 0; i < patterns.Count; i++)
        {
            trie.Add(patterns[i], queues[i]);
        }

        Assert.NotEmpty(MatchDistinct(trie, "a.b"));

        for (var i = patterns.Count - 1; i >= 0; i--)
        {
            trie.Remove(patterns[i], queues[i]);
        }

        Assert.Equal(0, trie.PatternCount);
        foreach (var key in new[] { "", "a", "a.b", "a.b.c", ".", "a..b", "x.y.z.w" })
        {
            Assert.Empty(MatchDistinct(trie, key));
        }

        // The pruned trie still takes new patterns as a fresh one would.
        var late = new TestDestination("late");
        trie.Add("a.#", late);
        Assert.Equal([late], MatchDistinct(trie, "a.b.c"));
    }
}
