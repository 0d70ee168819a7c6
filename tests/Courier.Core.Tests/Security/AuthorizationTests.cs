using Courier.Core.Security;

namespace Courier.Core.Tests.Security;

public class AuthorizationTests
{
    private readonly Broker _broker = new(new BrokerOptions());

    [Fact]
    public void An_empty_pattern_allows_nothing()
    {
        var permission = new Permission(string.Empty, string.Empty, string.Empty);

        Assert.False(permission.Allows(AccessKind.Configure, string.Empty));
        Assert.False(permission.Allows(AccessKind.Write, "q"));
        Assert.False(permission.Allows(AccessKind.Read, "q"));
    }

    [Fact]
    public void Patterns_are_searched_not_anchored()
    {
        var permission = new Permission("tmp", "^out-", "in$");

        Assert.True(permission.Allows(AccessKind.Configure, "my-tmp-queue"));
        Assert.True(permission.Allows(AccessKind.Write, "out-1"));
        Assert.False(permission.Allows(AccessKind.Write, "not-out-1"));
        Assert.True(permission.Allows(AccessKind.Read, "orders.in"));
        Assert.False(permission.Allows(AccessKind.Read, "in.orders"));
    }

    [Fact]
    public void Each_kind_of_access_uses_its_own_pattern()
    {
        var permission = new Permission("^c$", "^w$", "^r$");

        Assert.True(permission.Allows(AccessKind.Configure, "c"));
        Assert.False(permission.Allows(AccessKind.Configure, "w"));
        Assert.True(permission.Allows(AccessKind.Write, "w"));
        Assert.False(permission.Allows(AccessKind.Write, "r"));
        Assert.True(permission.Allows(AccessKind.Read, "r"));
        Assert.False(permission.Allows(AccessKind.Read, "c"));
    }

    [Fact]
    public void The_default_user_may_do_anything_in_the_default_vhost()
    {
        Assert.True(_broker.TryGetVirtualHost("/", out var vhost));
        var guest = _broker.Users.Authenticate("guest", "guest")!;

        _broker.Authorize(guest, vhost, AccessKind.Configure, "queue", "anything");
        Assert.True(_broker.MayAccess(guest, vhost));
    }

    [Fact]
    public void Authorize_refuses_what_the_permission_does_not_allow_with_RabbitMQs_wording()
    {
        var vhost = _broker.AddVirtualHost("/");
        var alice = _broker.Users.AddOrReplace("alice", "pw");
        _broker.Users.SetPermission("alice", "/", new Permission("^alice-", ".*", string.Empty));

        _broker.Authorize(alice, vhost, AccessKind.Configure, "queue", "alice-work");
        _broker.Authorize(alice, vhost, AccessKind.Write, "exchange", "amq.topic");

        var configure = Assert.Throws<BrokerException>(() => _broker.Authorize(alice, vhost, AccessKind.Configure, "queue", "bob-work"));
        Assert.Equal(BrokerError.AccessRefused, configure.Error);
        Assert.Equal("configure access to queue 'bob-work' in vhost '/' refused for user 'alice'", configure.Message);

        var read = Assert.Throws<BrokerException>(() => _broker.Authorize(alice, vhost, AccessKind.Read, "queue", "alice-work"));
        Assert.Equal(BrokerError.AccessRefused, read.Error);
    }

    [Fact]
    public void A_user_without_permissions_in_a_vhost_is_refused_everything_there()
    {
        var other = _broker.AddVirtualHost("other");
        var guest = _broker.Users.Authenticate("guest", "guest")!;

        Assert.False(_broker.MayAccess(guest, other));
        var error = Assert.Throws<BrokerException>(() => _broker.Authorize(guest, other, AccessKind.Read, "queue", "q"));
        Assert.Equal(BrokerError.AccessRefused, error.Error);
    }

    [Fact]
    public void Clearing_a_permission_takes_access_away()
    {
        var vhost = _broker.AddVirtualHost("/");
        var alice = _broker.Users.AddOrReplace("alice", "pw");
        _broker.Users.SetPermission("alice", "/", Permission.All);
        Assert.True(_broker.MayAccess(alice, vhost));

        _broker.Users.ClearPermission("alice", "/");

        Assert.False(_broker.MayAccess(alice, vhost));
        Assert.Throws<BrokerException>(() => _broker.Authorize(alice, vhost, AccessKind.Write, "exchange", "x"));
    }
}
