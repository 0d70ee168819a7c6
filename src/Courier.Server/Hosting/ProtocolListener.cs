using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Courier.Server.Hosting;

/// <summary>One protocol's listener on a started or starting node: its name and where it listens.</summary>
public sealed class ProtocolListener
{
    private readonly IPEndPoint _configured;
    private ListenOptions? _listen;

    internal ProtocolListener(string protocol, string displayName, IPEndPoint configured)
    {
        Protocol = protocol;
        DisplayName = displayName;
        _configured = configured;
    }

    /// <summary>The protocol's short name, e.g. <c>amqp</c> (the key of <see cref="CourierHost.EndPointOf"/>).</summary>
    public string Protocol { get; }

    /// <summary>The protocol as logs name it, e.g. <c>AMQP 0-9-1</c>.</summary>
    public string DisplayName { get; }

    /// <summary>The address the listener is bound to: with the port the OS chose (for port 0) once the host has started.</summary>
    public IPEndPoint EndPoint => _listen?.IPEndPoint ?? _configured;

    internal void Bound(ListenOptions listen) => _listen = listen;

    public override string ToString() => $"{DisplayName} on {EndPoint}";
}
