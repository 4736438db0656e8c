using Fabric.Silo;

return await SiloApp.RunAsync(args);
