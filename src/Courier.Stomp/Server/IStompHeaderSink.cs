namespace Courier.Stomp.Server;

/// <summary>Where <see cref="StompMessageMapper.MapProperties"/> puts the headers it maps: a list, or bytes already encoded.</summary>
internal interface IStompHeaderSink
{
    void Add(string name, string value);
}
