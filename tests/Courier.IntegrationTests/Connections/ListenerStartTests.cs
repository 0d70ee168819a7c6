using System.Diagnostics;
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
        var start = new ProcessStartInfo(BrokerProcess.DotnetHost())
        {
            ArgumentList = { BrokerProcess.ServerAssembly, "--data-dir", dataDir, "--amqp-address", address, "--amqp-port", port.ToString() },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            await Wait.ForAsync(process.WaitForExitAsync(), "the broker to exit", BrokerProcess.StartTimeout);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }

        await stdout;
        Assert.Equal(1, process.ExitCode);
        var error = (await stderr).Trim();
        Assert.StartsWith("courier: ", error);
        Assert.Contains(reason, error);
        Assert.DoesNotContain('\n', error);
    }
}
