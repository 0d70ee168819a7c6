using System.Security.Cryptography;
using System.Text;

namespace Courier.Stomp.Server;

/// <summary>Names the STOMP server makes: session ids, and the queues of durable topic subscriptions.</summary>
public static class StompNames
{
    /// <summary>
    /// The queue of a durable topic subscription, named as RabbitMQ's plugin names it so that a
    /// client moving between the two finds its subscription: <c>stomp-subscription-</c> and the
    /// base64url MD5 of the Erlang external term <c>{Name, Id}</c> (two strings), where
    /// <paramref name="name"/> is the destination's routing key (<c>k</c> of <c>/topic/k</c>).
    /// </summary>
    public static string DurableSubscriptionQueue(string name, string id)
    {
        using var term = new MemoryStream();
        term.Write([131, 104, 2]);
        WriteErlangString(term, name);
        WriteErlangString(term, id);
        return "stomp-subscription-" + Base64Url(MD5.HashData(term.ToArray()));
    }

    /// <summary>Base64 with <c>-</c> and <c>_</c> and no padding, as RabbitMQ's <c>rabbit_misc:base64url</c>.</summary>
    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    // STRING_EXT for up to 65,535 bytes, NIL_EXT when empty, LIST_EXT of SMALL_INTEGER_EXT beyond.
    private static void WriteErlangString(MemoryStream term, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length == 0)
        {
            term.WriteByte(106);
            return;
        }

        if (bytes.Length <= ushort.MaxValue)
        {
            term.Write([107, (byte)(bytes.Length >> 8), (byte)bytes.Length]);
            term.Write(bytes);
            return;
        }

        term.Write([108, (byte)(bytes.Length >> 24), (byte)(bytes.Length >> 16), (byte)(bytes.Length >> 8), (byte)bytes.Length]);
        foreach (var b in bytes)
        {
            term.Write([97, b]);
        }

        term.WriteByte(106);
    }
}
