using System.Text.Json.Nodes;

namespace Courier.Cli.Output;

/// <summary>Writes API objects as a table whose columns are aligned to their widest cell, headed by the field names.</summary>
internal static class TableWriter
{
    public static void Write(TextWriter output, IReadOnlyList<string> columns, IEnumerable<JsonNode?> items)
    {
        var rows = new List<string[]> { columns.ToArray() };
        foreach (var item in items)
        {
            rows.Add(columns.Select(c => Clean(Fields.Cell(Fields.At(item, c)))).ToArray());
        }

        var widths = new int[columns.Count];
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        foreach (var row in rows)
        {
            var line = new System.Text.StringBuilder();
            for (int i = 0; i < row.Length; i++)
            {
                if (i > 0)
                {
                    line.Append("  ");
                }

                line.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i]));
            }

            output.WriteLine(line.ToString());
        }
    }

    /// <summary>Key/value lines for one object (status, a single item).</summary>
    public static void WritePairs(TextWriter output, IReadOnlyList<(string Key, string Value)> pairs)
    {
        int width = pairs.Count == 0 ? 0 : pairs.Max(p => p.Key.Length);
        foreach (var (key, value) in pairs)
        {
            output.WriteLine($"{(key + ":").PadRight(width + 1)}  {value}");
        }
    }

    // A name with a newline or tab would break the alignment of every row after it.
    private static string Clean(string cell) => cell.Replace('\n', ' ').Replace('\r', ' ').Replace('\t', ' ');
}
