using Courier.Server.Hosting;

await using var host = CourierHost.Create(args);
try
{
    await host.RunAsync();
}
catch (Exception e) when (e is System.Net.Sockets.SocketException
                           or IOException { InnerException: System.Net.Sockets.SocketException or Microsoft.AspNetCore.Connections.AddressInUseException })
{
    // A listener could not bind (the port is taken, or the address is not this machine's): say
    // so in one line and exit, rather than abort with a stack trace.
    Console.Error.WriteLine($"courier: {e.Message}");
    return 1;
}
catch (Exception e) when (e is Courier.Storage.Journal.StoreFormatException or Courier.Storage.Directories.DataDirectoryInUseException)
{
    // The data directory is from a newer build, its header is damaged, or another broker is using
    // it: refuse in one line rather than misread it or write under the other broker.
    Console.Error.WriteLine($"courier: {e.Message}");
    return 1;
}

return 0;
