using Fabric.Money;

namespace Fabric.Network;

/// <summary>GPU-time sold for one model: from the usage recorded in settled captures.</summary>
[GenerateSerializer, Immutable, Alias("fabric.ModelUsage")]
public sealed record ModelUsage
{
    [Id(0)] public required string Model { get; init; }
    [Id(1)] public required long GpuSeconds { get; init; }

    /// <summary>What that time cost at the devices' list prices, IOSD base units (the price currency).</summary>
    [Id(2)] public required long ChargedIosd { get; init; }

    /// <summary>What the renters paid for it in <see cref="Token"/> base units (payouts before the booking fee).</summary>
    [Id(3)] public required long Paid { get; init; }
    [Id(4)] public required Token Token { get; init; }

    public double GpuHours => GpuSeconds / 3600.0;
}

/// <summary>One token's supply: every figure from the ledger's balances, base units.</summary>
[GenerateSerializer, Immutable, Alias("fabric.TokenStats")]
public sealed record TokenStats
{
    [Id(0)] public required Token Token { get; init; }
    [Id(1)] public required long Minted { get; init; }
    [Id(2)] public required long Burned { get; init; }

    /// <summary>Minted − burned = Σ balances + Σ holds.</summary>
    [Id(3)] public required long Circulating { get; init; }

    /// <summary>In escrow and stake holds.</summary>
    [Id(4)] public required long Held { get; init; }

    /// <summary>In stake holds (hold ids starting with a stake prefix).</summary>
    [Id(5)] public required long Staked { get; init; }

    /// <summary>Payment and booking fees the treasury received from captures.</summary>
    [Id(6)] public required long FeeRevenue { get; init; }
}

/// <summary>The network's supply and market figures (`fabric network stats`).</summary>
[GenerateSerializer, Immutable, Alias("fabric.NetworkStats")]
public sealed record NetworkStats
{
    [Id(0)] public required DateTimeOffset At { get; init; }

    /// <summary>Ledger head the market figures are read up to.</summary>
    [Id(1)] public required long LedgerSequence { get; init; }
    [Id(2)] public required IReadOnlyList<TokenStats> Tokens { get; init; }

    /// <summary>IO base units the emission schedule issues in the current hour, and in the next.</summary>
    [Id(3)] public required long IssuanceThisHour { get; init; }
    [Id(4)] public required long IssuanceNextHour { get; init; }

    /// <summary>IO base units the schedule has issued up to the start of this hour (the rewards mint them).</summary>
    [Id(5)] public required long IssuedToDate { get; init; }
    [Id(6)] public required string EmissionPreset { get; init; }
    [Id(7)] public required int DevicesVerified { get; init; }

    /// <summary>Online or Busy now.</summary>
    [Id(8)] public required int DevicesOnline { get; init; }
    [Id(9)] public required int DevicesTotal { get; init; }

    /// <summary>GPU-time sold per model and pay token.</summary>
    [Id(10)] public required IReadOnlyList<ModelUsage> Usage { get; init; }
}

/// <summary>Supply and market statistics (key "network").</summary>
[Alias("fabric.INetworkStatsGrain")]
public interface INetworkStatsGrain : IGrainWithStringKey
{
    const string NetworkKey = "network";

    [Alias("Get")]
    Task<NetworkStats> GetAsync();
}
