namespace Courier.Amqp091.Framing;

/// <summary>
/// Remembers the last few short strings a connection decoded (exchange names, routing keys, consumer
/// tags), so a stream of publishes to the same place decodes them without allocating a string each
/// time. Compares bytes, so a hit returns exactly the string those bytes decode to. Used only by
/// the connection's reader thread.
/// </summary>
public sealed class ShortStringCache
{
    private const int Slots = 8;
    private readonly byte[]?[] _keys = new byte[Slots][];
    private readonly string[] _values = new string[Slots];
    private int _next;

    public string Get(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < Slots; i++)
        {
            var key = _keys[i];
            if (key is not null && key.AsSpan().SequenceEqual(bytes))
            {
                return _values[i];
            }
        }

        var value = AmqpReader.DecodeShortString(bytes);
        _keys[_next] = bytes.ToArray();
        _values[_next] = value;
        _next = (_next + 1) % Slots;
        return value;
    }
}
