namespace Fabric.Worker;

/// <summary>The exit code the worker's host run ends with (set by <see cref="WorkerService"/>, read by <see cref="WorkerApp"/>).</summary>
public sealed class WorkerExit
{
    private int _code = WorkerExitCodes.Stopped;

    public int Code
    {
        get => Volatile.Read(ref _code);
        set => Volatile.Write(ref _code, value);
    }
}
