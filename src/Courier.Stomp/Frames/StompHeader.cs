namespace Courier.Stomp.Frames;

/// <summary>One header entry as it appeared on the wire (unescaped); a frame keeps repeats in order.</summary>
public readonly record struct StompHeader(string Name, string Value)
{
    public override string ToString() => $"{Name}:{Value}";
}
