using Courier.Server.Hosting;

await using var host = CourierHost.Create(args);
await host.RunAsync();
return 0;
