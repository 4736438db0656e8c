using Fabric.Money;

namespace Fabric.Ledger;

/// <summary>What applying a command produced.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LedgerReceipt")]
public sealed record LedgerReceipt
{
    [Id(0)] public required string OperationId { get; init; }

    /// <summary>Position of the event in the ledger.</summary>
    [Id(1)] public required long Sequence { get; init; }

    /// <summary>True when this id was applied before: nothing changed now.</summary>
    [Id(2)] public required bool Duplicate { get; init; }

    /// <summary>Hex SHA-256 of the event, chained to the one before.</summary>
    [Id(3)] public required string Hash { get; init; }
}

/// <summary>A wallet's money in one token.</summary>
[GenerateSerializer, Immutable, Alias("fabric.TokenBalance")]
public sealed record TokenBalance
{
    [Id(0)] public required Token Token { get; init; }

    /// <summary>Spendable base units.</summary>
    [Id(1)] public required long Available { get; init; }

    /// <summary>Base units in escrow holds.</summary>
    [Id(2)] public required long Held { get; init; }
}

/// <summary>One line of an event: an account and how much it changed.</summary>
[GenerateSerializer, Immutable, Alias("fabric.Posting")]
public sealed record Posting
{
    /// <summary>"wallet:ADDRESS", "hold:ID", or the supply accounts "supply:minted" / "supply:burned".</summary>
    [Id(0)] public required string Account { get; init; }

    /// <summary>Wallet address the account belongs to; empty for supply accounts.</summary>
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required long Delta { get; init; }
}

/// <summary>One event of the append-only ledger. Its postings sum to zero: money moves, it never appears.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LedgerEvent")]
public sealed record LedgerEvent
{
    [Id(0)] public required long Sequence { get; init; }
    [Id(1)] public required string OperationId { get; init; }

    /// <summary>transfer, mint, burn, hold, capture, release, slash.</summary>
    [Id(2)] public required string Kind { get; init; }
    [Id(3)] public required Token Token { get; init; }
    [Id(4)] public required IReadOnlyList<Posting> Postings { get; init; }
    [Id(5)] public required string Memo { get; init; }
    [Id(6)] public required string RequestedBy { get; init; }
    [Id(7)] public required DateTimeOffset At { get; init; }
    [Id(8)] public required string PreviousHash { get; init; }
    [Id(9)] public required string Hash { get; init; }
}

/// <summary>Supply figures of one token as the ledger's events add up.</summary>
[GenerateSerializer, Immutable, Alias("fabric.TokenSupply")]
public sealed record TokenSupply
{
    [Id(0)] public required Token Token { get; init; }
    [Id(1)] public required long Minted { get; init; }
    [Id(2)] public required long Burned { get; init; }
    [Id(3)] public required long Balances { get; init; }
    [Id(4)] public required long Held { get; init; }
}

/// <summary>The result of recomputing the ledger from its events.</summary>
[GenerateSerializer, Immutable, Alias("fabric.LedgerVerification")]
public sealed record LedgerVerification
{
    [Id(0)] public required long Events { get; init; }
    [Id(1)] public required string HeadHash { get; init; }
    [Id(2)] public required IReadOnlyList<TokenSupply> Supply { get; init; }

    /// <summary>Every broken rule found, in words; empty when the ledger is sound.</summary>
    [Id(3)] public required IReadOnlyList<string> Problems { get; init; }

    /// <summary>Payment and booking fees recorded by captures, per token (the treasury's fee revenue).</summary>
    [Id(4)] public IReadOnlyList<TokenAmount> FeeRevenue { get; init; } = [];

    /// <summary>GPU-time paid for, per model and token, recomputed from the captures' recorded usage.</summary>
    [Id(5)] public IReadOnlyList<Network.ModelUsage> Usage { get; init; } = [];

    public bool Ok => Problems.Count == 0;
}

/// <summary>An amount of one token, base units.</summary>
[GenerateSerializer, Immutable, Alias("fabric.TokenAmount")]
public sealed record TokenAmount
{
    [Id(0)] public required Token Token { get; init; }
    [Id(1)] public required long Amount { get; init; }
}
