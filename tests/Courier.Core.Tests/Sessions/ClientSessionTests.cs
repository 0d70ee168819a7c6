using System.Net;
using Courier.Core.Queues;
using Courier.Core.Sessions;
using Courier.Core.Tests.Support;
using Courier.Core.VirtualHosts;

namespace Courier.Core.Tests.Sessions;

public sealed class ClientSessionTests
{
    [Fact]
    public void Each_session_has_its_own_increasing_id_and_says_who_it_is()
    {
        var first = new ClientSession("amqp", "/", "guest", new IPEndPoint(IPAddress.Loopback, 40000), new TestSessions());
        var second = TestSessions.New();

        Assert.True(second.Id > first.Id);
        Assert.Equal("amqp session " + first.Id + " (user 'guest', vhost '/', from 127.0.0.1:40000)", first.ToString());
    }

    [Fact]
    public void Closing_a_session_asks_its_protocol_to_close_it()
    {
        var control = new TestSessions();
        var session = TestSessions.New(control);

        session.Close("client id taken over");

        Assert.Equal(["client id taken over"], control.CloseRequests);
    }

    [Fact]
    public void An_exclusive_queue_belongs_to_the_session_that_declared_it_and_goes_with_it()
    {
        var vhost = new VirtualHost("/");
        var owner = TestSessions.New();
        var other = TestSessions.New();
        var queue = vhost.DeclareQueue("mine", new QueueDefinition { Exclusive = true }, passive: false, owner).Queue;

        Assert.Same(owner, queue.ExclusiveOwner);
        Assert.Equal(BrokerError.ResourceLocked, Assert.Throws<BrokerException>(() => vhost.GetQueue("mine", other)).Error);

        vhost.ReleaseOwner(other);
        Assert.True(vhost.TryGetQueue("mine", out _));
        vhost.ReleaseOwner(owner);
        Assert.False(vhost.TryGetQueue("mine", out _));
    }
}
