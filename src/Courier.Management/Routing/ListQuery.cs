using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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
                regex = new Regex(name, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, RegexTimeout);
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

    /// <summary>
    /// Answers a list: filters <paramref name="items"/> by <paramref name="nameOf"/>, orders and pages
    /// them, and writes the JSON of the answer's items only.
    /// </summary>
    /// <param name="sortKeys">Keys for sort fields that need no JSON (name, vhost, message counts); others sort on each item's JSON.</param>
    public Task WriteAsync<T>(
        ApiRequest request,
        IEnumerable<T> items,
        Func<T, string> nameOf,
        Func<T, JsonObject> toJson,
        IReadOnlyDictionary<string, Func<T, IComparable?>> sortKeys)
    {
        // A page is picked while the items stream past, in a heap of the best page * page_size:
        // no list of every item (with 100,000 queues that list is a large-object allocation per
        // request, and the gen 2 collections it brings cost more than the walk).
        var comparer = ComparerFor(nameOf, toJson, sortKeys);
        var total = 0;
        var filteredCount = 0;
        List<T> best;
        if (Page is { } page)
        {
            var heap = new BestItems<T>(comparer, checked(page * PageSize));
            foreach (var item in items)
            {
                total++;
                if (MatchesName(nameOf(item)))
                {
                    filteredCount++;
                    heap.Offer(item);
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
                    best.Add(item);
                }
            }

            filteredCount = best.Count;
            best.Sort(comparer);
        }

        int first;
        int count;
        if (Page is { } current)
        {
            first = (current - 1) * PageSize;
            if (first > 0 && first >= filteredCount)
            {
                throw new ApiException(400, "page_out_of_range", $"Page out of range, page: {current} page size: {PageSize}, len: {filteredCount}");
            }

            count = Math.Min(PageSize, filteredCount - first);
        }
        else
        {
            first = 0;
            count = best.Count;
        }

        var selected = best.GetRange(first, count);
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

    private Comparison<T> ComparerFor<T>(Func<T, string> nameOf, Func<T, JsonObject> toJson, IReadOnlyDictionary<string, Func<T, IComparable?>> sortKeys)
    {
        if (Sort.Length == 0)
        {
            // Without a sort, RabbitMQ lists by name; so does this, and a page of it costs O(n log k).
            return SortReverse ? (a, b) => string.CompareOrdinal(nameOf(b), nameOf(a)) : (a, b) => string.CompareOrdinal(nameOf(a), nameOf(b));
        }

        var keys = new Func<T, IComparable?>[Sort.Length];
        for (var i = 0; i < Sort.Length; i++)
        {
            var field = Sort[i];
            keys[i] = sortKeys.TryGetValue(field, out var key) ? key : item => JsonKey(toJson(item), field);
        }

        var reverse = SortReverse ? -1 : 1;
        return (a, b) =>
        {
            foreach (var key in keys)
            {
                var order = CompareKeys(key(a), key(b));
                if (order != 0)
                {
                    return order * reverse;
                }
            }

            return 0;
        };
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
