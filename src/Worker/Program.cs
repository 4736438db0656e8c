using Fabric.Worker;

return await WorkerApp.RunAsync(args);
