using Courier.Core.Sessions;

namespace Courier.Management;

/// <summary>
/// The session management's own declarations and gets act as: never registered in a vhost (it is
/// no client connection), it owns nothing, since the API refuses exclusive queues.
/// </summary>
internal sealed class ManagementSession : IClientSessionControl
{
    public static ClientSession Instance { get; } = new("http", string.Empty, "management", null, new ManagementSession());

    public void Close(string reason)
    {
    }
}
