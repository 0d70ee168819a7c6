return await Courier.Cli.CourierCtl.RunAsync(args, Console.Out, Console.Error);
