namespace Courier.Core.Exchanges;

/// <summary>
/// Binding patterns of a topic exchange as a trie of dot-separated words, where <c>*</c> matches
/// exactly one word and <c>#</c> zero or more. Matching walks the routing key once, following the
/// literal child, the <c>*</c> child and the <c>#</c> child at each word, so its cost depends on the
/// key and the patterns that could match it, not on how many bindings exist. Not thread-safe: the
/// exchange's lock guards it.
/// </summary>
public sealed class TopicTrie
{
    private readonly Node _root = new(null, null);

    public int PatternCount { get; private set; }

    public void Add(string pattern, IBindingDestination destination)
    {
        var node = _root;
        foreach (var word in Words(pattern))
        {
            node = node.GetOrAddChild(word);
        }

        node.Destinations ??= new DestinationSet();
        node.Destinations.Add(destination);
        PatternCount++;
    }

    public void Remove(string pattern, IBindingDestination destination)
    {
        var node = _root;
        foreach (var word in Words(pattern))
        {
            node = node.GetChild(word);
            if (node is null)
            {
                return;
            }
        }

        // A pattern bound for some other destination only is not this binding: leave the count alone.
        if (node.Destinations is null || !node.Destinations.Remove(destination))
        {
            return;
        }

        PatternCount--;
        if (node.Destinations.IsEmpty)
        {
            node.Destinations = null;
        }

        // Prune nodes left with neither destinations nor children, so churn does not grow the trie.
        while (node.Parent is { } parent && node.IsEmpty)
        {
            parent.RemoveChild(node.Word!);
            node = parent;
        }
    }

    /// <summary>Appends the destinations of every pattern matching <paramref name="routingKey"/> (duplicates possible).</summary>
    public void Match(string routingKey, List<IBindingDestination> destinations)
    {
        // Words are matched as slices of the key: no split, no allocation per message.
        // An empty key has no words at all (as in RabbitMQ): only "#" and "" match it.
        MatchFrom(_root, routingKey.AsSpan(), atEnd: routingKey.Length == 0, destinations);
    }

    private static string[] Words(string pattern) => pattern.Length == 0 ? [] : pattern.Split('.');

    private static void MatchFrom(Node node, ReadOnlySpan<char> rest, bool atEnd, List<IBindingDestination> destinations)
    {
        // '#' may absorb zero words here, or one word and stay in place.
        if (node.Hash is { } hash)
        {
            MatchHash(hash, rest, atEnd, destinations);
        }

        if (atEnd)
        {
            if (node.Destinations is { } here)
            {
                destinations.AddRange(here.Destinations);
            }

            return;
        }

        var dot = rest.IndexOf('.');
        var word = dot < 0 ? rest : rest[..dot];
        var next = dot < 0 ? default : rest[(dot + 1)..];
        var nextAtEnd = dot < 0;

        if (node.Children is { } children && children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var literal))
        {
            MatchFrom(literal, next, nextAtEnd, destinations);
        }

        if (node.Star is { } star)
        {
            MatchFrom(star, next, nextAtEnd, destinations);
        }
    }

    private static void MatchHash(Node hash, ReadOnlySpan<char> rest, bool atEnd, List<IBindingDestination> destinations)
    {
        // Let '#' take zero words, then one more word at a time, trying what follows it at each point.
        while (true)
        {
            MatchAfterHash(hash, rest, atEnd, destinations);
            if (atEnd)
            {
                return;
            }

            var dot = rest.IndexOf('.');
            if (dot < 0)
            {
                atEnd = true;
                rest = default;
            }
            else
            {
                rest = rest[(dot + 1)..];
            }
        }
    }

    private static void MatchAfterHash(Node hash, ReadOnlySpan<char> rest, bool atEnd, List<IBindingDestination> destinations)
    {
        if (atEnd)
        {
            if (hash.Destinations is { } here)
            {
                destinations.AddRange(here.Destinations);
            }

            // A '#' directly after this '#' can also take zero words.
            if (hash.Hash is { } again)
            {
                MatchAfterHash(again, rest, atEnd, destinations);
            }

            return;
        }

        var dot = rest.IndexOf('.');
        var word = dot < 0 ? rest : rest[..dot];
        var next = dot < 0 ? default : rest[(dot + 1)..];
        var nextAtEnd = dot < 0;
        if (hash.Children is { } children && children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(word, out var literal))
        {
            MatchFrom(literal, next, nextAtEnd, destinations);
        }

        if (hash.Star is { } star)
        {
            MatchFrom(star, next, nextAtEnd, destinations);
        }

        if (hash.Hash is { } nested)
        {
            MatchAfterHash(nested, rest, atEnd, destinations);
        }
    }

    private sealed class Node
    {
        public Node(Node? parent, string? word)
        {
            Parent = parent;
            Word = word;
        }

        public Node? Parent { get; }

        public string? Word { get; }

        public Dictionary<string, Node>? Children { get; private set; }

        public Node? Star { get; private set; }

        public Node? Hash { get; private set; }

        public DestinationSet? Destinations { get; set; }

        public bool IsEmpty => Destinations is null && Star is null && Hash is null && (Children is null || Children.Count == 0);

        public Node? GetChild(string word) => word switch
        {
            "*" => Star,
            "#" => Hash,
            _ => Children is not null && Children.TryGetValue(word, out var child) ? child : null,
        };

        public Node GetOrAddChild(string word)
        {
            switch (word)
            {
                case "*":
                    return Star ??= new Node(this, word);
                case "#":
                    return Hash ??= new Node(this, word);
                default:
                    Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                    if (!Children.TryGetValue(word, out var child))
                    {
                        child = new Node(this, word);
                        Children.Add(word, child);
                    }

                    return child;
            }
        }

        public void RemoveChild(string word)
        {
            switch (word)
            {
                case "*": Star = null; break;
                case "#": Hash = null; break;
                default: Children?.Remove(word); break;
            }
        }
    }
}
