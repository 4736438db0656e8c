using Fabric.Money;

namespace Fabric.Ledger;

/// <summary>
/// One movement of money, applied by the ledger at most once per <see cref="OperationId"/>. Amounts are base units
/// of <see cref="Token"/>. Commands come from verified signed requests or from other grains, never raw from clients.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.LedgerCommand")]
public abstract record LedgerCommand
{
    /// <summary>Unique id; applying the same id again returns the first receipt and changes nothing.</summary>
    [Id(0)] public required string OperationId { get; init; }

    /// <summary>Free text kept with the event (a deposit reference, a settlement hour).</summary>
    [Id(1)] public string Memo { get; init; } = "";

    /// <summary>Wallet whose signed request caused this; empty for the network's own operations.</summary>
    [Id(2)] public string RequestedBy { get; init; } = "";
}

/// <summary>From one wallet's available balance to another's.</summary>
[GenerateSerializer, Immutable, Alias("fabric.TransferCommand")]
public sealed record TransferCommand : LedgerCommand
{
    [Id(0)] public required string From { get; init; }
    [Id(1)] public required string To { get; init; }
    [Id(2)] public required Token Token { get; init; }
    [Id(3)] public required long Amount { get; init; }
}

/// <summary>New tokens into a wallet (genesis, deposits, rewards).</summary>
[GenerateSerializer, Immutable, Alias("fabric.MintCommand")]
public sealed record MintCommand : LedgerCommand
{
    [Id(0)] public required string To { get; init; }
    [Id(1)] public required Token Token { get; init; }
    [Id(2)] public required long Amount { get; init; }
}

/// <summary>Tokens out of a wallet and out of existence (withdrawals, buy-back burns).</summary>
[GenerateSerializer, Immutable, Alias("fabric.BurnCommand")]
public sealed record BurnCommand : LedgerCommand
{
    [Id(0)] public required string From { get; init; }
    [Id(1)] public required Token Token { get; init; }
    [Id(2)] public required long Amount { get; init; }
}

/// <summary>Moves part of a wallet's available balance into escrow under <see cref="HoldId"/>.</summary>
[GenerateSerializer, Immutable, Alias("fabric.HoldCommand")]
public sealed record HoldCommand : LedgerCommand
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required Token Token { get; init; }
    [Id(3)] public required long Amount { get; init; }
}

/// <summary>One recipient of a capture.</summary>
[GenerateSerializer, Immutable, Alias("fabric.Payout")]
public sealed record Payout
{
    [Id(0)] public required string To { get; init; }
    [Id(1)] public required long Amount { get; init; }
}

/// <summary>
/// Pays suppliers out of a hold: the hold gives Σ payouts plus the payment fee; each payee receives its payout minus
/// the booking fee; fees go to the treasury. With <see cref="Final"/> the rest of the hold returns to its owner and the
/// hold closes.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.CaptureCommand")]
public sealed record CaptureCommand : LedgerCommand
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required IReadOnlyList<Payout> Payouts { get; init; }
    [Id(2)] public bool Final { get; init; }

    /// <summary>
    /// Ledger sequence whose payment fee rate applies: the rate the escrow was sized with when the hold was booked
    /// (null: the current rate). The booking fee is always the current rate.
    /// </summary>
    [Id(3)] public long? PaymentFeeAsOf { get; init; }
}

/// <summary>Returns what is left of a hold to its owner and closes it.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ReleaseCommand")]
public sealed record ReleaseCommand : LedgerCommand
{
    [Id(0)] public required string HoldId { get; init; }
}

/// <summary>A part of one hold taken by a slash.</summary>
[GenerateSerializer, Immutable, Alias("fabric.HoldSlice")]
public sealed record HoldSlice
{
    [Id(0)] public required string HoldId { get; init; }
    [Id(1)] public required long Amount { get; init; }
}

/// <summary>
/// Takes parts of active holds (a stake) as a penalty: to <see cref="To"/>'s wallet (the harmed renter), or out of
/// existence into the burned supply when <see cref="To"/> is empty. The holds stay open with what is left.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.SlashCommand")]
public sealed record SlashCommand : LedgerCommand
{
    [Id(0)] public required IReadOnlyList<HoldSlice> From { get; init; }

    /// <summary>Recipient wallet, or "" to burn.</summary>
    [Id(1)] public string To { get; init; } = "";
}

/// <summary>
/// Records an executed change of a network parameter: an event without postings (kind "parameter") whose memo is
/// "NAME=VALUE; ..." and which makes the value current from its sequence on. Governance issues it, nothing else.
/// </summary>
[GenerateSerializer, Immutable, Alias("fabric.ParameterCommand")]
public sealed record ParameterCommand : LedgerCommand
{
    /// <summary>Governance name of the parameter ("payment-fee-iosd-bps").</summary>
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required long Value { get; init; }
}
