using Courier.Server.Hosting;

switch (ServerCommandLine.Classify(args))
{
    case ServerCommandLine.Request.Help:
        Console.Out.Write(ServerCommandLine.Help());
        return 0;
    case ServerCommandLine.Request.Version:
        Console.Out.WriteLine($"courier {CourierHost.Version}");
        return 0;
}

CourierHost host;
try
{
    // Before the host is built and any socket made: the runtime reads it once (SocketCompletions).
    host = CourierHost.Create(args, configure: SocketCompletions.Apply);
}
catch (ConfigurationException e)
{
    // A misspelt flag or setting, or a value of the wrong kind: say which, and start nothing.
    Console.Error.WriteLine($"courier: {e.Message}");
    return 2;
}

await using var node = host;
try
{
    await node.RunAsync();
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
catch (IOException e) when (Courier.Storage.Devices.DataDirectoryFaults.IsDiskFull(e))
{
    // Start-up had to write something new (changed definitions, say) and the disk is full:
    // refuse in one line, with what to do, rather than abort with a stack trace.
    Console.Error.WriteLine($"courier: cannot start: the data directory's disk is full ({e.Message}); free some space and start again");
    return Courier.Storage.Devices.DataDirectoryFaults.DiskFullExitCode;
}

return 0;
