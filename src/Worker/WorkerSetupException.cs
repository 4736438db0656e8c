namespace Fabric.Worker;

/// <summary>The worker cannot start as configured (exit code 1); the message is one line that says why and what to do.</summary>
public sealed class WorkerSetupException : Exception
{
    public WorkerSetupException()
    {
    }

    public WorkerSetupException(string message) : base(message)
    {
    }

    public WorkerSetupException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
