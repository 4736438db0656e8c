using System.Runtime.InteropServices;

namespace Fabric.Cli;

/// <summary>
/// Ctrl+C and SIGTERM as cancellation of the running command. The first one cancels <see cref="Token"/>, so a command
/// that waits can say what it leaves behind (a job keeps running, a cluster stays deployed); a second one is left to
/// the runtime, which ends the process at once, for a user who does not want to wait for that.
/// </summary>
public sealed class Interruption : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly CancellationTokenSource _cancel = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private int _signal;

    public Interruption()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public CancellationToken Token => _cancel.Token;

    /// <summary>The shell's code for a process a signal ended (130 for Ctrl+C, 143 for SIGTERM), once one came.</summary>
    public int? ExitCode => Volatile.Read(ref _signal) is var signal and > 0 ? 128 + signal : null;

    /// <summary>Completes <paramref name="grace"/> after the first signal: how long a command gets to wind down.</summary>
    public async Task OverdueAsync(TimeSpan grace)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, Token);
        }
        catch (OperationCanceledException)
        {
        }

        await Task.Delay(grace);
    }

    private void OnSignal(PosixSignalContext context)
    {
        var signal = context.Signal == PosixSignal.SIGINT ? SigInt : SigTerm;
        if (Interlocked.CompareExchange(ref _signal, signal, 0) != 0)
        {
            return;
        }

        context.Cancel = true;
        _cancel.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancel.Dispose();
    }
}
