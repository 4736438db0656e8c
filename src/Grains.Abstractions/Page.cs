namespace Fabric;

/// <summary>Which slice of a listing to return.</summary>
[GenerateSerializer, Immutable, Alias("fabric.PageRequest")]
public sealed record PageRequest
{
    /// <summary>Largest page a caller may ask for; bounds message size and silo memory.</summary>
    public const int MaxSize = 1000;

    [Id(0)] public int Skip { get; init; }
    [Id(1)] public int Take { get; init; } = 100;

    /// <summary>Throws when the request is out of bounds.</summary>
    public void Validate()
    {
        if (Skip < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Skip), Skip, "Skip must not be negative.");
        }

        if (Take is < 1 or > MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(Take), Take, $"Take must be between 1 and {MaxSize}.");
        }
    }
}

/// <summary>A slice of a listing and the total it was cut from.</summary>
[GenerateSerializer, Immutable, Alias("fabric.Page`1")]
public sealed record Page<T>
{
    [Id(0)] public required IReadOnlyList<T> Items { get; init; }
    [Id(1)] public required int Total { get; init; }
}
