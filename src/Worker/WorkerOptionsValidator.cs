using System.Globalization;
using System.Text.RegularExpressions;
using Fabric.Worker.Gpus;
using Microsoft.Extensions.Options;

namespace Fabric.Worker;

/// <summary>Checks <see cref="WorkerOptions"/> before anything starts; every failure is a usage error (exit code 64) naming the flag.</summary>
public sealed partial class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    /// <summary>Most simulated GPUs one worker serves.</summary>
    public const int MaxSimulated = 64;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex RegionPattern();

    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        var problems = Problems(options);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>Every problem, one sentence each; empty when the options are usable.</summary>
    public static IReadOnlyList<string> Problems(WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Keypair))
        {
            problems.Add("No keypair: pass --keypair FILE (the owner's wallet; create one with 'fabric wallet new --outfile FILE'), or set FABRIC__WORKER__KEYPAIR.");
        }

        foreach (var gateway in options.Gateways)
        {
            if (!IsHostPort(gateway))
            {
                problems.Add($"--gateway '{gateway}' is not HOST:PORT (e.g. 127.0.0.1:30000).");
            }
        }

        if (options.Simulate is < 0 or > MaxSimulated)
        {
            problems.Add($"--simulate {options.Simulate} is outside 1 to {MaxSimulated}.");
        }

        if (options.Simulate > 0)
        {
            if (string.IsNullOrWhiteSpace(options.Model))
            {
                problems.Add($"--simulate needs --model, e.g. --model \"RTX 4090\" (known: {KnownModels()}).");
            }
            else if (options.Model.Trim().Length > 64)
            {
                problems.Add("--model must be at most 64 characters.");
            }
            else if (GpuModels.Find(options.Model) is null && options.VramMib is null)
            {
                problems.Add($"--model '{options.Model}' is not one the worker knows ({KnownModels()}); give its memory with --vram-mib.");
            }
        }
        else if (options.Model is not null || options.VramMib is not null)
        {
            problems.Add("--model and --vram-mib describe simulated GPUs: use them with --simulate N (real GPUs are read from nvidia-smi).");
        }

        if (options.VramMib is < 256 or > 1024 * 1024)
        {
            problems.Add($"--vram-mib {options.VramMib} is outside 256 to 1048576.");
        }

        if (options.Region is { } region && !RegionPattern().IsMatch(region))
        {
            problems.Add($"--region '{region}' must be lower-case letters, digits and dashes, e.g. eu or us-east.");
        }

        if (options.Price is { } price && (price < 0 || price > 100_000 || decimal.Round(price, 6) != price))
        {
            problems.Add($"--price {price.ToString(CultureInfo.InvariantCulture)} must be 0 to 100000 IOSD per GPU-hour with at most 6 decimals.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay || options.ResponseTimeout <= TimeSpan.Zero)
        {
            problems.Add("RetryDelay and ResponseTimeout must be positive, and MaxRetryDelay at least RetryDelay.");
        }

        return problems;
    }

    private static string KnownModels() => string.Join(", ", GpuModels.All.Select(m => m.Name));

    private static bool IsHostPort(string gateway)
    {
        var colon = gateway.LastIndexOf(':');
        return colon > 0
               && gateway[..colon].Trim('[', ']').Length > 0
               && int.TryParse(gateway[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
               && port is >= 1 and <= 65535;
    }
}
