using System.Globalization;
using System.Text;
using Courier.Core.Statistics;

namespace Courier.Management.Metrics;

/// <summary>
/// Writes Prometheus' text exposition format (0.0.4): each family's <c># HELP</c> and <c># TYPE</c>
/// once, then its samples, label values escaped.
/// </summary>
internal sealed class Exposition
{
    private readonly StringBuilder _text = new();

    public override string ToString() => _text.ToString();

    public Exposition Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>A sample; <paramref name="labels"/> alternate names and values.</summary>
    public Exposition Sample(string name, double value, params ReadOnlySpan<string> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i + 1 < labels.Length; i += 2)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i]).Append("=\"");
                AppendEscaped(labels[i + 1]);
                _text.Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public Exposition Gauge(string name, string help, double value, params ReadOnlySpan<string> labels) =>
        Family(name, "gauge", help).Sample(name, value, labels);

    public Exposition Counter(string name, string help, double value, params ReadOnlySpan<string> labels) =>
        Family(name, "counter", help).Sample(name, value, labels);

    public Exposition Histogram(string name, string help, Histogram histogram)
    {
        Family(name, "histogram", help);
        for (var i = 0; i < histogram.UpperBounds.Count; i++)
        {
            Sample(name + "_bucket", histogram.CumulativeCount(i), "le", Format(histogram.UpperBounds[i]));
        }

        var count = histogram.Count;
        Sample(name + "_bucket", count, "le", "+Inf");
        Sample(name + "_sum", histogram.Sum);
        return Sample(name + "_count", count);
    }

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private void AppendEscaped(string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => _text.Append("\\\\"),
                '"' => _text.Append("\\\""),
                '\n' => _text.Append("\\n"),
                _ => _text.Append(c),
            };
        }
    }
}
