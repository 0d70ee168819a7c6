using System.Net;
using Courier.Core.Security;

namespace Courier.Core.Tests.Security;

public class AuthenticationTests
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 50000);
    private static readonly IPEndPoint Remote = new(IPAddress.Parse("192.0.2.10"), 50000);

    private readonly Broker _broker = new(new BrokerOptions());

    [Fact]
    public void Guest_with_the_right_password_is_accepted_from_loopback()
    {
        var user = _broker.Authenticate("guest", "guest", Loopback);

        Assert.NotNull(user);
        Assert.Equal("guest", user.Name);
        Assert.NotNull(_broker.Authenticate("guest", "guest", new IPEndPoint(IPAddress.IPv6Loopback, 50000)));
    }

    [Fact]
    public void Guest_is_refused_from_a_remote_address_even_with_the_right_password()
    {
        Assert.Null(_broker.Authenticate("guest", "guest", Remote));
        Assert.Null(_broker.Authenticate("guest", "guest", remote: null));
    }

    [Fact]
    public void A_wrong_password_or_unknown_user_is_refused()
    {
        Assert.Null(_broker.Authenticate("guest", "Guest", Loopback));
        Assert.Null(_broker.Authenticate("guest", string.Empty, Loopback));
        Assert.Null(_broker.Authenticate("nobody", "guest", Loopback));
    }

    [Fact]
    public void Other_users_may_connect_from_anywhere()
    {
        _broker.Users.AddOrReplace("alice", "s3cret");

        Assert.NotNull(_broker.Authenticate("alice", "s3cret", Remote));
        Assert.Null(_broker.Authenticate("alice", "wrong", Remote));
    }

    [Fact]
    public void Replacing_a_user_changes_the_password_that_works()
    {
        _broker.Users.AddOrReplace("alice", "old");
        _broker.Users.AddOrReplace("alice", "new");

        Assert.Null(_broker.Authenticate("alice", "old", Remote));
        Assert.NotNull(_broker.Authenticate("alice", "new", Remote));
    }

    [Fact]
    public void Two_users_with_the_same_password_check_against_different_salts()
    {
        var first = new User("a", "same", []);
        var second = new User("b", "same", []);

        Assert.True(first.CheckPassword("same"));
        Assert.True(second.CheckPassword("same"));
        Assert.False(first.CheckPassword("same "));
    }
}
