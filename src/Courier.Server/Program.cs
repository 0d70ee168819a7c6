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
catch (Courier.Storage.Journal.StoreFormatException e)
{
    // The data directory is from a newer build, or its header is damaged: refuse in one line
    // rather than misread it.
    Console.Error.WriteLine($"courier: {e.Message}");
    return 1;
}

return 0;
