using Courier.Core.Sessions;

namespace Courier.Core.Tests.Support;

/// <summary>Client sessions for core tests: each a distinct owner, recording what the core asked of it.</summary>
internal sealed class TestSessions : IClientSessionControl
{
    public List<string> CloseRequests { get; } = [];

    public static ClientSession New(string user = "guest") => new("test", "/", user, remoteEndPoint: null, new TestSessions());

    public static ClientSession New(TestSessions control) => new("test", "/", "guest", remoteEndPoint: null, control);

    public void Close(string reason) => CloseRequests.Add(reason);
}
