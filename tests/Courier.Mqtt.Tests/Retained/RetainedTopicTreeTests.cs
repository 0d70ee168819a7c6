using Courier.Mqtt.Retained;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Xunit;

namespace Courier.Mqtt.Tests.Retained;

public sealed class RetainedTopicTreeTests
{
    private static List<string> Matched(RetainedTopicTree<string> tree, string filter)
    {
        var matches = new List<(string Topic, string Value)>();
        tree.Match(filter, matches);
        Assert.All(matches, m => Assert.Equal(m.Topic, m.Value));
        return [.. matches.Select(m => m.Topic).Order(StringComparer.Ordinal)];
    }

    private static RetainedTopicTree<string> Tree(params string[] topics)
    {
        var tree = new RetainedTopicTree<string>();
        foreach (var topic in topics)
        {
            tree.Set(topic, topic);
        }

        return tree;
    }

    [Theory]
    [InlineData("sport/tennis/player1/#", new[] { "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon" })]
    [InlineData("sport/#", new[] { "sport", "sport/", "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon", "sport/tennis/player2" })]
    [InlineData("#", new[] { "/finance", "sport", "sport/", "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon", "sport/tennis/player2" })]
    [InlineData("sport/tennis/+", new[] { "sport/tennis/player1", "sport/tennis/player2" })]
    [InlineData("sport/+", new[] { "sport/" })]
    [InlineData("+/+", new[] { "/finance", "sport/" })]
    [InlineData("/+", new[] { "/finance" })]
    [InlineData("+", new[] { "sport" })]
    [InlineData("$SYS/#", new[] { "$SYS/broker/load" })]
    [InlineData("+/broker/load", new string[0])]
    [InlineData("$SYS/+/load", new[] { "$SYS/broker/load" })]
    public void Filters_match_as_the_specification_s_examples_say(string filter, string[] expected)
    {
        var tree = Tree("sport", "sport/", "sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon",
            "sport/tennis/player2", "/finance", "$SYS/broker/load");
        Assert.Equal(expected.Order(StringComparer.Ordinal), Matched(tree, filter));
    }

    [Fact]
    public void Setting_replaces_and_removing_forgets_and_prunes()
    {
        var tree = new RetainedTopicTree<string>();
        Assert.Null(tree.Set("a/b", "1"));
        Assert.Equal("1", tree.Set("a/b", "2"));
        Assert.Equal(1, tree.Count);
        Assert.Equal("2", tree.Get("a/b"));
        Assert.Null(tree.Remove("a/c"));
        Assert.Null(tree.Remove("a"));
        Assert.Equal("2", tree.Remove("a/b"));
        Assert.Equal(0, tree.Count);
        Assert.Null(tree.Get("a/b"));
        var matches = new List<(string, string)>();
        tree.Match("#", matches);
        Assert.Empty(matches);
    }

    /// <summary>What MQTT says a filter matches, level by level, with no tree.</summary>
    private static bool Matches(string filter, string topic)
    {
        var f = filter.Split('/');
        var t = topic.Split('/');
        if (topic.StartsWith('$') && (f[0] == "+" || f[0] == "#"))
        {
            return false;
        }

        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true;
            }

            if (i >= t.Length || (f[i] != "+" && f[i] != t[i]))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }

    private static Gen<string[]> Between(Gen<string> item, int min, int max) =>
        from count in Gen.Choose(min, max)
        from items in Gen.ArrayOf(item, count)
        select items;

    [Property(MaxTest = 300)]
    public Property Any_filter_matches_exactly_the_topics_a_level_by_level_reading_of_the_spec_does()
    {
        var level = Gen.Elements("a", "b", "", "$s");
        var topic = Between(level, 1, 4).Select(levels => string.Join('/', levels));
        var filterLevel = Gen.Elements("a", "b", "", "+", "$s");
        var filter = from levels in Between(filterLevel, 1, 4)
                     from multi in Gen.Elements(false, true)
                     select string.Join('/', levels) + (multi ? "/#" : string.Empty);
        var gen = from topics in Between(topic, 0, 30)
                  from f in filter
                  from removed in Between(topic, 0, 10)
                  select (Topics: topics, Filter: f, Removed: removed);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var (topics, f, removed) = input;
            var tree = new RetainedTopicTree<string>();
            var model = new HashSet<string>(StringComparer.Ordinal);
            foreach (var t in topics)
            {
                tree.Set(t, t);
                model.Add(t);
            }

            foreach (var t in removed)
            {
                Assert.Equal(model.Remove(t) ? t : null, tree.Remove(t));
            }

            Assert.Equal(model.Count, tree.Count);
            Assert.Equal(model.Where(t => Matches(f, t)).Order(StringComparer.Ordinal), Matched(tree, f));
            Assert.Equal(model.Where(t => Matches("#", t)).Order(StringComparer.Ordinal), Matched(tree, "#"));
        });
    }
}
