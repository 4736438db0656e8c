using Fabric.Cli;

return await FabricCli.RunAsync(args);
