namespace Courier.Mqtt.Retained;

/// <summary>
/// Retained values by MQTT topic name, matched against topic filters without a scan of every topic:
/// a tree of topic levels (split at <c>/</c>; empty levels count), so a filter visits only the
/// branches its levels allow — one child per literal level, every child for <c>+</c>, a whole
/// subtree for <c>#</c>. As MQTT requires, a filter starting with a wildcard does not match topics
/// starting with <c>$</c>. Not thread-safe; the owner locks.
/// </summary>
public sealed class RetainedTopicTree<T>
    where T : class
{
    private readonly Node _root = new(null, string.Empty);

    /// <summary>How many topics hold a value.</summary>
    public int Count { get; private set; }

    /// <summary>Sets the value of <paramref name="topic"/>; returns the value it replaced, if any.</summary>
    public T? Set(string topic, T value)
    {
        var node = _root;
        foreach (var level in Levels(topic))
        {
            node = node.GetOrAdd(level);
        }

        var previous = node.Value;
        node.Value = value;
        if (previous is null)
        {
            Count++;
        }

        return previous;
    }

    /// <summary>Removes the value of <paramref name="topic"/>; returns it, or null when there was none.</summary>
    public T? Remove(string topic)
    {
        var node = _root;
        foreach (var level in Levels(topic))
        {
            node = node.Get(level);
            if (node is null)
            {
                return null;
            }
        }

        var removed = node.Value;
        if (removed is null)
        {
            return null;
        }

        node.Value = null;
        Count--;
        while (node.Parent is { } parent && node.IsEmpty)
        {
            parent.RemoveChild(node.Level);
            node = parent;
        }

        return removed;
    }

    /// <summary>The value of exactly <paramref name="topic"/>, or null.</summary>
    public T? Get(string topic)
    {
        var node = _root;
        foreach (var level in Levels(topic))
        {
            node = node.Get(level);
            if (node is null)
            {
                return null;
            }
        }

        return node.Value;
    }

    /// <summary>Adds to <paramref name="matches"/> every (topic, value) that <paramref name="filter"/> matches.</summary>
    public void Match(string filter, List<(string Topic, T Value)> matches)
    {
        var levels = filter.Split('/');
        Match(_root, levels, 0, string.Empty, matches);
    }

    private static void Match(Node node, string[] levels, int depth, string prefix, List<(string Topic, T Value)> matches)
    {
        if (depth == levels.Length)
        {
            if (node.Value is { } value)
            {
                matches.Add((prefix, value));
            }

            return;
        }

        var level = levels[depth];
        var first = depth == 0;
        if (level == "#")
        {
            // "#" matches the parent level too ("a/#" matches "a"), and everything below it.
            if (!first && node.Value is { } parentValue)
            {
                matches.Add((prefix, parentValue));
            }

            AddSubtree(node, prefix, first, matches);
            return;
        }

        if (level == "+")
        {
            if (node.Children is null)
            {
                return;
            }

            foreach (var (word, child) in node.Children)
            {
                if (first && word.StartsWith('$'))
                {
                    continue;
                }

                Match(child, levels, depth + 1, Join(prefix, word, first), matches);
            }

            return;
        }

        if (node.Get(level) is { } next)
        {
            Match(next, levels, depth + 1, Join(prefix, level, first), matches);
        }
    }

    /// <summary>Every value strictly below <paramref name="node"/>.</summary>
    private static void AddSubtree(Node node, string prefix, bool first, List<(string Topic, T Value)> matches)
    {
        if (node.Children is null)
        {
            return;
        }

        foreach (var (word, child) in node.Children)
        {
            if (first && word.StartsWith('$'))
            {
                continue;
            }

            var topic = Join(prefix, word, first);
            if (child.Value is { } value)
            {
                matches.Add((topic, value));
            }

            AddSubtree(child, topic, first: false, matches);
        }
    }

    private static string Join(string prefix, string level, bool first) => first ? level : prefix + "/" + level;

    private static string[] Levels(string topic) => topic.Split('/');

    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;

        public string Level { get; } = level;

        public Dictionary<string, Node>? Children { get; private set; }

        public T? Value { get; set; }

        public bool IsEmpty => Value is null && (Children is null || Children.Count == 0);

        public Node? Get(string level) => Children is not null && Children.TryGetValue(level, out var child) ? child : null;

        public Node GetOrAdd(string level)
        {
            Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
            if (!Children.TryGetValue(level, out var child))
            {
                child = new Node(this, level);
                Children.Add(level, child);
            }

            return child;
        }

        public void RemoveChild(string level)
        {
            Children!.Remove(level);
            if (Children.Count == 0)
            {
                Children = null;
            }
        }
    }
}
