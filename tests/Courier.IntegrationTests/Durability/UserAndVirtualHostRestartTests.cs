using Courier.Core.Security;
using Courier.IntegrationTests.Infrastructure;
using RabbitMQ.Client.Exceptions;

namespace Courier.IntegrationTests.Durability;

/// <summary>Users, their permissions and vhosts are definitions too: they survive a restart.</summary>
public sealed class UserAndVirtualHostRestartTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("courier-users-").FullName;

    [Fact]
    public async Task A_user_with_permissions_in_an_added_vhost_can_still_connect_after_a_restart()
    {
        string[] args = ["--data-dir", _dataDir];
        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            broker.Host.Broker.AddVirtualHost("orders");
            broker.Host.Broker.AddUser("bob", "secret");
            broker.Host.Broker.SetPermission("bob", "orders", new Permission("^bob-.*", ".*", ".*"));
        }

        await using (var broker = await TestBroker.StartAsync(configure: null, args))
        {
            await using var connection = await broker.ConnectAsync(f =>
            {
                f.UserName = "bob";
                f.Password = "secret";
                f.VirtualHost = "orders";
            });
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeclareAsync("bob-queue", durable: false, exclusive: false, autoDelete: false);
            var refused = await Assert.ThrowsAsync<OperationInterruptedException>(
                () => channel.QueueDeclareAsync("alice-queue", durable: false, exclusive: false, autoDelete: false));
            Assert.Equal(403, refused.ShutdownReason!.ReplyCode);

            broker.ErrorsExpected = true;
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                await using var wrong = await broker.ConnectAsync(f =>
                {
                    f.UserName = "bob";
                    f.Password = "wrong";
                    f.VirtualHost = "orders";
                });
            });
        }
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
