using System.Globalization;
using Courier.Core.Messages;

namespace Courier.Core.Deduplication;

/// <summary>Turns an <c>x-deduplication-header</c> value into the cache's key.</summary>
public static class DeduplicationKey
{
    public const string Header = "x-deduplication-header";

    /// <summary>
    /// The key of <paramref name="message"/>, or null when it has no <c>x-deduplication-header</c>
    /// (such a message is never a duplicate). Text and integers of any width are keys by value;
    /// the type is part of the key, so the string "1" and the number 1 are different messages,
    /// as in the plugin, which compares the header's terms. Long-string bytes that are not
    /// well-formed UTF-8 are a key by their exact bytes (<c>x:</c> and hex), never rewritten to U+FFFD,
    /// which would make <c>k\xff</c> a duplicate of <c>k\xfe</c>.
    /// </summary>
    public static string? Of(Message message)
    {
        var headers = message.Properties.Headers;
        if (headers is null || !headers.TryGetValue(Header, out var value) || value is null)
        {
            return null;
        }

        return value switch
        {
            byte[] bytes => StrictUtf8.TryDecode(bytes, out var text) ? "s:" + text : "x:" + Convert.ToHexString(bytes),
            string text => "s:" + text,
            BinaryValue binary => "b:" + Convert.ToHexString(binary.Bytes),
            bool flag => flag ? "t:true" : "t:false",
            sbyte or byte or short or ushort or int or uint or long => "i:" + Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
            ulong unsigned => "i:" + unsigned.ToString(CultureInfo.InvariantCulture),
            float or double => "f:" + Convert.ToDouble(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture),
            _ => "o:" + Convert.ToString(value, CultureInfo.InvariantCulture),
        };
    }
}
