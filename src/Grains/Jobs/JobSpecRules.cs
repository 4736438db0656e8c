namespace Fabric.Jobs;

/// <summary>Bounds a job spec must meet before anything is stored.</summary>
internal static class JobSpecRules
{
    /// <summary>Most GPUs one job may ask for; the scheduler issue may raise it for gang placement.</summary>
    public const int MaxGpus = 512;

    /// <summary>Bound on the command line a job carries, so a job record stays small.</summary>
    public const int MaxCommandChars = 8192;

    public static void Validate(string jobId, JobSpec spec)
    {
        Require(IdRules.IsValid(jobId), $"Job id '{jobId}' is not valid: {IdRules.Description}.");
        Require(!string.IsNullOrWhiteSpace(spec.Renter) && spec.Renter.Length <= 64, "Renter must be 1 to 64 characters.");
        Require(spec.Command.Count > 0 && !string.IsNullOrWhiteSpace(spec.Command[0]), "A job needs a command to run.");
        Require(spec.Command.Sum(a => a.Length) <= MaxCommandChars,
            $"The command is longer than {MaxCommandChars} characters.");
        Require(spec.Gpus is >= 1 and <= MaxGpus, $"GPUs must be between 1 and {MaxGpus}.");
        Require(spec.Models.All(m => !string.IsNullOrWhiteSpace(m) && m.Length <= 64), "Model names must be 1 to 64 characters.");
        Require(spec.Region is null || (spec.Region.Length is > 0 and <= 32), "Region must be 1 to 32 characters.");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FabricRejectedException(message);
        }
    }
}
