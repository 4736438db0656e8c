using System.Collections.Immutable;

namespace Fabric.Persistence;

/// <summary>Entries of a directory grain by id.</summary>
[GenerateSerializer, Alias("fabric.DirectoryState`1")]
public sealed record DirectoryState<T>
{
    [Id(0)] public ImmutableSortedDictionary<string, T> Entries { get; init; } =
        ImmutableSortedDictionary<string, T>.Empty.WithComparers(StringComparer.Ordinal);
}
