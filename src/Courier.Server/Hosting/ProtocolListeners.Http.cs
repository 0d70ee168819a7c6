using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Courier.Server.Hosting;

/// <summary>An HTTP listener: its requests go to the web application's pipeline (the management API), not to a connection handler.</summary>
internal sealed partial class ProtocolListeners
{
    public void AddHttp(string protocol, string displayName, ListenerSettings settings)
    {
        if (_registered.Any(r => r.Listener.Protocol == protocol))
        {
            throw new InvalidOperationException($"a listener for '{protocol}' is registered already");
        }

        _registered.Add((new ProtocolListener(protocol, displayName, new IPEndPoint(ParseAddress(settings.Address), settings.Port)), static listen => listen.Protocols = HttpProtocols.Http1));
    }
}
