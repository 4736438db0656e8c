using Fabric.Worker.Jobs;

namespace Fabric.Worker.Tests.Jobs;

/// <summary>A scratch work root and launch helpers for tests that run real processes.</summary>
internal static class JobTesting
{
    /// <summary>Waits on a real signal, but not forever: a hung test fails with a message instead.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test after <see cref="Patience"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited {Patience.TotalSeconds} s for {what}.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public static JobLaunch Launch(string program, params string[] arguments) => new()
    {
        JobId = "job-1",
        ClusterId = "cluster-1",
        Rank = 0,
        WorldSize = 1,
        MasterAddr = "127.0.0.1",
        MasterPort = 29500,
        Program = program,
        Arguments = arguments,
    };

    public static JobLaunch Shell(string script) => Launch("sh", "-c", script);

    public static JobRunnerOptions Options(DirectoryInfo root) => new() { WorkRoot = root.FullName };

    /// <summary>Whether a process with this id is still alive (a zombie, dead and waiting to be reaped, is not).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            // The state is the first field after the parenthesised command name.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
