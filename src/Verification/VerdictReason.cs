namespace Fabric.Verification;

/// <summary>
/// Why a verification passed or failed. When several apply, the first in this precedence is reported (cheap checks
/// first, the leaf recomputation last): Malformed, Late, WrongIndices, MissingOpening, BadPath, WrongLeaf.
/// Values are fixed because they are recorded.
/// </summary>
public enum VerdictReason
{
    /// <summary>On time, every requested leaf opened, every path leads to the root, every leaf recomputes.</summary>
    Passed = 0,

    /// <summary>A leaf is not <c>H^Rounds(Seed || u32be(i))</c>: the work was not done, or not for this seed.</summary>
    WrongLeaf = 1,

    /// <summary>An opening's path does not lead from its leaf to the committed root.</summary>
    BadPath = 2,

    /// <summary>A requested leaf was not opened.</summary>
    MissingOpening = 3,

    /// <summary>An opening for a leaf that was not requested, or two openings for the same leaf.</summary>
    WrongIndices = 4,

    /// <summary>The root was received after the deadline.</summary>
    Late = 5,

    /// <summary>
    /// Unusable input: no spec, a root that is not 32 bytes, a null or empty request list or one with duplicate or
    /// out-of-range indices, a null opening list or entry, a leaf or sibling that is not 32 bytes, a path that is
    /// not log2(leaves) long, or a root received at or before the issue time.
    /// </summary>
    Malformed = 6,
}
