using Courier.Amqp091.Framing;
using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Connections;

/// <summary>SASL mechanisms, refused logins, and which virtual hosts a user may open.</summary>
public sealed class AuthenticationTests
{
    [Fact]
    public async Task A_user_logs_in_with_PLAIN_the_RabbitMQ_client_default()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.Users.AddOrReplace("bob", "s3cret");
        broker.Host.Broker.Users.SetPermission("bob", "/", Permission.All);

        await using var connection = await broker.ConnectAsync(f => (f.UserName, f.Password) = ("bob", "s3cret"));

        Assert.True(connection.IsOpen);
        await using var channel = await connection.CreateChannelAsync();
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task A_user_logs_in_with_AMQPLAIN()
    {
        await using var broker = await TestBroker.StartAsync();
        broker.Host.Broker.Users.AddOrReplace("bob", "s3cret");
        broker.Host.Broker.Users.SetPermission("bob", "/", Permission.All);
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();

        await client.SendStartOkAsync("AMQPLAIN", RawAmqpClient.AmqplainResponse("bob", "s3cret"));

        var tune = await client.ExpectMethodAsync(ConnectionTune.Key, ConnectionTune.Read);
        await client.SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = tune.ChannelMax, FrameMax = tune.FrameMax });
        await client.SendMethodAsync(0, new ConnectionOpen { VirtualHost = "/" });
        await client.ExpectFrameAsync(ConnectionOpenOk.Key);
    }

    [Fact]
    public async Task A_wrong_AMQPLAIN_password_is_refused_with_403()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();

        await client.SendStartOkAsync("AMQPLAIN", RawAmqpClient.AmqplainResponse("guest", "wrong"));

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.AccessRefused, close.ReplyCode);
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
    }

    [Fact]
    public async Task A_refused_login_from_a_client_without_authentication_failure_close_just_closes_the_socket()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();

        await client.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("guest", "wrong"), authenticationFailureClose: false);

        var sent = await client.ReadToEndAsync();
        Assert.Empty(sent);
    }

    [Theory]
    [InlineData("guest", "wrong")]
    [InlineData("nobody", "guest")]
    public async Task A_refused_login_fails_with_AuthenticationFailureException(string user, string password)
    {
        await using var broker = await TestBroker.StartAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => broker.ConnectAsync(f => (f.UserName, f.Password) = (user, password)));

        var authentication = InChain<AuthenticationFailureException>(error);
        Assert.Contains("ACCESS_REFUSED", authentication.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_opens_the_virtual_host_it_has_a_permission_in()
    {
        await using var broker = await TestBroker.StartAsync();
        AddBobWithAccessToOnlyBobsVirtualHost(broker);

        await using var connection = await broker.ConnectAsync(f => (f.UserName, f.Password, f.VirtualHost) = ("bob", "pw", "bobs"));
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("bob-queue", durable: false, exclusive: false, autoDelete: false);
        Assert.True(connection.IsOpen);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("no-such-vhost")]
    public async Task Opening_a_virtual_host_without_permission_or_that_does_not_exist_fails_with_530(string virtualHost)
    {
        await using var broker = await TestBroker.StartAsync();
        AddBobWithAccessToOnlyBobsVirtualHost(broker);

        var reason = await ConnectExpectingRefusalAsync(broker, "bob", "pw", virtualHost);

        Assert.Equal(AmqpConstants.NotAllowed, reason.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("no-such-vhost")]
    public async Task Connection_open_of_a_forbidden_or_unknown_virtual_host_is_answered_with_connection_close_530(string virtualHost)
    {
        await using var broker = await TestBroker.StartAsync();
        AddBobWithAccessToOnlyBobsVirtualHost(broker);
        await using var client = await RawAmqpClient.ConnectAsync(broker.AmqpPort);
        await client.StartAsync();
        await client.SendStartOkAsync("PLAIN", RawAmqpClient.PlainResponse("bob", "pw"));
        var tune = await client.ExpectMethodAsync(ConnectionTune.Key, ConnectionTune.Read);
        await client.SendMethodAsync(0, new ConnectionTuneOk { ChannelMax = tune.ChannelMax, FrameMax = tune.FrameMax });

        await client.SendMethodAsync(0, new ConnectionOpen { VirtualHost = virtualHost });

        var close = await client.ExpectConnectionCloseAsync();
        Assert.Equal(AmqpConstants.NotAllowed, close.ReplyCode);
        Assert.StartsWith("NOT_ALLOWED", close.ReplyText, StringComparison.Ordinal);
        await client.SendMethodAsync(0, new ConnectionCloseOk());
        await client.WaitForServerCloseAsync();
    }

    private static void AddBobWithAccessToOnlyBobsVirtualHost(TestBroker broker)
    {
        broker.Host.Broker.AddVirtualHost("bobs");
        broker.Host.Broker.Users.AddOrReplace("bob", "pw");
        broker.Host.Broker.Users.SetPermission("bob", "bobs", new Permission("^bob-.*", ".*", ".*"));
    }

    /// <summary>
    /// RabbitMQ.Client 7 sends connection.open without awaiting open-ok, so a refused open shows
    /// either as an exception from connecting or as the new connection shutting down right after.
    /// </summary>
    internal static async Task<ShutdownEventArgs> ConnectExpectingRefusalAsync(TestBroker broker, string user, string password, string virtualHost)
    {
        IConnection connection;
        try
        {
            connection = await broker.ConnectAsync(f => (f.UserName, f.Password, f.VirtualHost) = (user, password, virtualHost));
        }
        catch (Exception e)
        {
            return InChain<OperationInterruptedException>(e).ShutdownReason!;
        }

        await using (connection)
        {
            await Wait.UntilAsync(() => !connection.IsOpen, "the server to close the connection");
            return connection.CloseReason!;
        }
    }

    internal static T InChain<T>(Exception error)
        where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T found)
            {
                return found;
            }
        }

        Assert.Fail($"expected a {typeof(T).Name} in the exception chain, got: {error}");
        return null!;
    }
}
