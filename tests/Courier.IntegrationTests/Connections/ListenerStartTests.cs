using System.Net;
using System.Net.Sockets;
using Courier.IntegrationTests.Infrastructure;

namespace Courier.IntegrationTests.Connections;

/// <summary>The broker process when it cannot listen: one line saying why, and a failing exit code.</summary>
public sealed class ListenerStartTests
{
    [Theory]
    [InlineData("127.0.0.1", "address already in use")] // the port is taken
    [InlineData("192.0.2.1", "assign requested address")] // TEST-NET-1: never this machine's
    public async Task A_listener_that_cannot_bind_ends_the_broker_with_one_line_and_exit_code_1(string address, string reason)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var dataDir = Path.Combine(Path.GetTempPath(), "courier-test-" + Guid.NewGuid().ToString("N"));
        (int ExitCode, string Error) exit;
        try
        {
            exit = await BrokerProcess.RunUntilExitAsync("--data-dir", dataDir, "--amqp-address", address, "--amqp-port", port.ToString(), "--mqtt-address", "127.0.0.1", "--mqtt-port", "0", "--mqtt-ws-address", "127.0.0.1", "--mqtt-ws-port", "0", "--stomp-address", "127.0.0.1", "--stomp-port", "0", "--stomp-ws-address", "127.0.0.1", "--stomp-ws-port", "0");
        }
        finally
        {
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        Assert.Equal(1, exit.ExitCode);
        var error = exit.Error;
        Assert.StartsWith("courier: ", error);
        Assert.Contains(reason, error);
        Assert.DoesNotContain('\n', error);
    }
}
