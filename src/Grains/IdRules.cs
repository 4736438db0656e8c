using System.Text.RegularExpressions;

namespace Fabric;

/// <summary>The shape of ids chosen by callers (devices, jobs): safe in URLs, file names and logs.</summary>
internal static partial class IdRules
{
    public const string Description = "1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string id) => Pattern().IsMatch(id);
}
