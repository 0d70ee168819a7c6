using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Courier.Core.Security;

namespace Courier.Management.Routing;

/// <summary>
/// RabbitMQ's list parameters: <c>name</c> (with <c>use_regex</c>) filters, <c>sort</c> and
/// <c>sort_reverse</c> order, <c>page</c> and <c>page_size</c> cut a page (and switch to the paged
/// answer), <c>columns</c> keeps only the named fields.
/// </summary>
/// <remarks>
/// Built to stay fast with 100,000 queues: the items are filtered and ordered as model objects,
/// through a key the caller gives for the common sort fields, and only the page's items become
/// JSON. A page is picked with a bounded heap (O(n log k) for the first k items) rather than by
/// sorting everything; a sort field with no key falls back to building each item's JSON.
/// </remarks>
public sealed class ListQuery
{
    private const int MaxPageSize = 500;
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(250);

    private ListQuery()
    {
    }

    public string? Name { get; private init; }

    public Regex? NameRegex { get; private init; }

    public string[] Sort { get; private init; } = [];

    public bool SortReverse { get; private init; }

    public int? Page { get; private init; }

    public int PageSize { get; private init; } = 100;

    public string[]? Columns { get; private init; }

    public static ListQuery From(ApiRequest request)
    {
        var page = ParseInt(request, "page");
        var pageSize = ParseInt(request, "page_size");
        if ((page is not null && page < 1) || (pageSize is not null && (pageSize < 1 || pageSize > MaxPageSize)))
        {
            throw new ApiException(400, "invalid_pagination_parameters", $"Invalid pagination parameters: page number {page ?? 1}, page size {pageSize ?? 100}");
        }

        var name = request.Query("name");
        var useRegex = string.Equals(request.Query("use_regex"), "true", StringComparison.OrdinalIgnoreCase);
        Regex? regex = null;
        if (useRegex && !string.IsNullOrEmpty(name))
        {
            try
            {
                // Linear-time engine, so no timeout that a loaded machine could trip on an honest
                // filter; a pattern it cannot run (back-references) backtracks, with a timeout,
                // since the pattern comes from an API user.
                regex = OperatorPattern.Compile(name, RegexOptions.IgnoreCase, RegexTimeout);
            }
            catch (ArgumentException e)
            {
                throw ApiException.BadRequest($"invalid regular expression in name: {e.Message}");
            }
        }

        var sort = request.Query("sort");
        var columns = request.Query("columns");
        return new ListQuery
        {
            Name = string.IsNullOrEmpty(name) ? null : name,
            NameRegex = regex,
            Sort = string.IsNullOrEmpty(sort) ? [] : sort.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            SortReverse = string.Equals(request.Query("sort_reverse"), "true", StringComparison.OrdinalIgnoreCase),
            // RabbitMQ pages when page, page_size or name is given.
            Page = page ?? (pageSize is not null ? 1 : null),
            PageSize = pageSize ?? 100,
            Columns = string.IsNullOrEmpty(columns) ? null : columns.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        };
    }

    private static int? ParseInt(ApiRequest request, string name)
    {
        var text = request.Query(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ApiException(400, "invalid_pagination_parameters", $"Invalid pagination parameters: {name} '{text}' is not a number");
    }

    public bool MatchesName(string name) =>
        Name is null || (NameRegex is { } regex ? regex.IsMatch(name) : name.Contains(Name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the list is in RabbitMQ's default order (vhost, then name) and a page of it is asked: a name index can serve it.</summary>
    public bool IsDefaultOrderPage => Sort.Length == 0 && Name is null && Page is not null;

    /// <summary>
    /// Answers a list: filters <paramref name="items"/> by <paramref name="nameOf"/>, orders and pages
    /// them, and writes the JSON of the answer's items only.
    /// </summary>
    /// <param name="sortKeys">Keys for sort fields that need no JSON (name, vhost, message counts); others sort on each item's JSON.</param>
    /// <param name="vhostOf">The item's vhost, RabbitMQ's first default sort key (then the name); null for items outside vhosts.</param>
    public Task WriteAsync<T>(
        ApiRequest request,
        IEnumerable<T> items,
        Func<T, string> nameOf,
        Func<T, JsonObject> toJson,
        IReadOnlyDictionary<string, Func<T, IComparable?>> sortKeys,
        Func<T, string>? vhostOf = null)
    {
        // A page is picked while the items stream past, in a heap of the best page * page_size:
        // no list of every item (with 100,000 queues that list is a large-object allocation per
        // request, and the gen 2 collections it brings cost more than the walk). Each item's first
        // sort key is read once, when it is offered, not at every comparison.
        var order = OrderFor(nameOf, toJson, sortKeys, vhostOf);
        var total = 0;
        var filteredCount = 0;
        List<Ranked<T>> best;
        if (Page is { } page)
        {
            var heap = new BestItems<Ranked<T>>(order.Compare, checked(page * PageSize));
            foreach (var item in items)
            {
                total++;
                if (MatchesName(nameOf(item)))
                {
                    filteredCount++;
                    heap.Offer(order.Rank(item));
                }
            }

            best = heap.InOrder();
        }
        else
        {
            best = [];
            foreach (var item in items)
            {
                total++;
                if (MatchesName(nameOf(item)))
                {
                    best.Add(order.Rank(item));
                }
            }

            filteredCount = best.Count;
            best.Sort(order.Compare);
        }

        var first = Page is { } current ? FirstIndex(current, filteredCount) : 0;
        var count = Math.Max(0, Math.Min(Page is null ? best.Count : PageSize, best.Count - first));
        var selected = new List<T>(count);
        for (var i = first; i < first + count; i++)
        {
            selected.Add(best[i].Item);
        }

        return WriteAnswerAsync(request, selected, filteredCount, total, toJson);
    }

    /// <summary>
    /// Answers a page in the default order whose items the caller picked from an index
    /// (<see cref="IsDefaultOrderPage"/>): <paramref name="pick"/> gets the number of items to skip
    /// and to take, and gives them.
    /// </summary>
    public Task WriteIndexedPageAsync<T>(ApiRequest request, int total, Func<int, int, List<T>> pick, Func<T, JsonObject> toJson)
    {
        var page = Page ?? 1;
        var first = FirstIndex(page, total);
        return WriteAnswerAsync(request, pick(first, Math.Min(PageSize, total - first)), total, total, toJson);
    }

    private int FirstIndex(int page, int filteredCount)
    {
        var first = (page - 1) * PageSize;
        if (first > 0 && first >= filteredCount)
        {
            throw new ApiException(400, "page_out_of_range", $"Page out of range, page: {page} page size: {PageSize}, len: {filteredCount}");
        }

        return first;
    }

    private Task WriteAnswerAsync<T>(ApiRequest request, List<T> selected, int filteredCount, int total, Func<T, JsonObject> toJson)
    {
        var array = new JsonArray();
        foreach (var item in selected)
        {
            array.Add(Project(toJson(item)));
        }

        if (Page is null)
        {
            return request.WriteAsync(array);
        }

        return request.WriteAsync(new JsonObject
        {
            ["filtered_count"] = filteredCount,
            ["item_count"] = selected.Count,
            ["items"] = array,
            ["page"] = Page,
            ["page_count"] = filteredCount == 0 ? 1 : ((filteredCount - 1) / PageSize) + 1,
            ["page_size"] = PageSize,
            ["total_count"] = total,
        });
    }

    /// <summary>Keeps only the asked columns; a dotted column (<c>message_stats.publish</c>) keeps that nested field.</summary>
    public JsonObject Project(JsonObject item)
    {
        if (Columns is null)
        {
            return item;
        }

        var projected = new JsonObject();
        foreach (var column in Columns)
        {
            var dot = column.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0)
            {
                if (item.TryGetPropertyValue(column, out var value))
                {
                    item.Remove(column);
                    projected[column] = value;
                }
            }
            else if (item[column[..dot]] is JsonObject nested && nested.TryGetPropertyValue(column[(dot + 1)..], out var inner))
            {
                nested.Remove(column[(dot + 1)..]);
                var target = projected[column[..dot]] as JsonObject ?? (JsonObject)(projected[column[..dot]] = new JsonObject());
                target[column[(dot + 1)..]] = inner;
            }
        }

        return projected;
    }

    /// <summary>
    /// The order of a list: the asked sort fields, then RabbitMQ's default ones (vhost, name), which
    /// also break ties; reversed as a whole by <c>sort_reverse</c>, as RabbitMQ's.
    /// </summary>
    private ItemOrder<T> OrderFor<T>(Func<T, string> nameOf, Func<T, JsonObject> toJson, IReadOnlyDictionary<string, Func<T, IComparable?>> sortKeys, Func<T, string>? vhostOf)
    {
        var keys = new List<Func<T, IComparable?>>(Sort.Length + 2);
        foreach (var field in Sort)
        {
            keys.Add(sortKeys.TryGetValue(field, out var key) ? key : item => JsonKey(toJson(item), field));
        }

        if (vhostOf is not null)
        {
            keys.Add(vhostOf);
        }

        keys.Add(nameOf);
        return new ItemOrder<T>([.. keys], SortReverse);
    }

    /// <summary>An item with its first sort key, read once.</summary>
    private readonly record struct Ranked<T>(IComparable? First, T Item);

    private sealed class ItemOrder<T>(Func<T, IComparable?>[] keys, bool reverse)
    {
        public Ranked<T> Rank(T item) => new(keys[0](item), item);

        public int Compare(Ranked<T> a, Ranked<T> b)
        {
            var order = CompareKeys(a.First, b.First);
            for (var i = 1; order == 0 && i < keys.Length; i++)
            {
                order = CompareKeys(keys[i](a.Item), keys[i](b.Item));
            }

            return reverse ? -order : order;
        }
    }

    /// <summary>A boxed whole number for a sort key, shared for the small values most counts have, so ranking 100,000 queues allocates nothing.</summary>
    public static IComparable Key(long value) =>
        (ulong)value < (ulong)SmallKeys.Length ? SmallKeys[value] : value;

    private static readonly IComparable[] SmallKeys = BoxSmallKeys();

    private static IComparable[] BoxSmallKeys()
    {
        var keys = new IComparable[1024];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (long)i;
        }

        return keys;
    }

    private static int CompareKeys(IComparable? a, IComparable? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (string x, string y) => string.CompareOrdinal(x, y),
        _ when a.GetType() == b.GetType() => a.CompareTo(b),
        _ => string.CompareOrdinal(a.ToString(), b.ToString()),
    };

    private static IComparable? JsonKey(JsonObject item, string field)
    {
        JsonNode? node = item;
        foreach (var part in field.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            JsonValue v when v.TryGetValue(out long l) => l,
            JsonValue v when v.TryGetValue(out double d) => d,
            JsonValue v when v.TryGetValue(out bool b) => b,
            JsonValue v when v.TryGetValue(out string? s) => s,
            null => null,
            _ => node.ToJsonString(),
        };
    }
}

/// <summary>The first <c>k</c> items in an order, offered one by one, in O(n log k): a max-heap keeps the best k seen.</summary>
internal sealed class BestItems<T>
{
    private readonly Comparison<T> _comparison;
    private readonly int _k;
    private readonly PriorityQueue<T, T> _heap;

    public BestItems(Comparison<T> comparison, int k)
    {
        _comparison = comparison;
        _k = k;
        _heap = new PriorityQueue<T, T>(Math.Min(k, 1024) + 1, Comparer<T>.Create((a, b) => comparison(b, a)));
    }

    public void Offer(T item)
    {
        if (_heap.Count < _k)
        {
            _heap.Enqueue(item, item);
        }
        else if (_comparison(item, _heap.Peek()) < 0)
        {
            _heap.EnqueueDequeue(item, item);
        }
    }

    /// <summary>The kept items, best first.</summary>
    public List<T> InOrder()
    {
        var best = new List<T>(_heap.Count);
        while (_heap.TryDequeue(out var item, out _))
        {
            best.Add(item);
        }

        best.Reverse();
        return best;
    }
}
