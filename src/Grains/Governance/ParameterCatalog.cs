using System.Collections.Immutable;
using System.Globalization;
using Fabric.Buyback;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Staking;

namespace Fabric.Governance;

/// <summary>
/// One governable parameter: its name, meaning, the bounds every value must keep, and the configuration key whose value
/// is its default (governance overrides it; nothing reads the key's value past the default).
/// </summary>
public sealed record ParameterDefinition(string Name, long Min, long Max, string Description, string DefaultKey);

/// <summary>A parameter change as the ledger records it: sequence, name, value.</summary>
public sealed record ParameterChange(long Sequence, string Name, long Value);

/// <summary>
/// The governable parameters: names, bounds, defaults, and how a list of recorded changes folds into
/// <see cref="NetworkParameters"/>. Pure; the ledger, the parameters grain, governance and verification share it.
/// </summary>
public static class ParameterCatalog
{
    public const string PaymentFeeIosdBps = "payment-fee-iosd-bps";
    public const string PaymentFeeIoBps = "payment-fee-io-bps";
    public const string BookingFeeBps = "booking-fee-bps";
    public const string BurnShareBps = "burn-share-bps";
    public const string MinimumStakeIo = "minimum-stake-io";
    public const string SlashShareBps = "slash-share-bps";
    public const string WeightPrice = "placement-weight-price-bps";
    public const string WeightTier = "placement-weight-tier-bps";
    public const string WeightReputation = "placement-weight-reputation-bps";
    public const string WeightRegion = "placement-weight-region-bps";
    public const string WeightLoad = "placement-weight-load-bps";
    public const string RewardLow = "reward-weight-low-bps";
    public const string RewardMedium = "reward-weight-medium-bps";
    public const string RewardHigh = "reward-weight-high-bps";
    public const string RewardUltra = "reward-weight-ultra-bps";
    public const string RewardStakeBonusBps = "reward-stake-bonus-bps";

    /// <summary>Every parameter, in the order `fabric params` lists them.</summary>
    public static IReadOnlyList<ParameterDefinition> All { get; } =
    [
        new(PaymentFeeIosdBps, 0, 1_000, "payment fee when paying in IOSD, basis points (≤ 10%)", "Fabric:Fees:PaymentFeeIosdBps"),
        new(PaymentFeeIoBps, 0, 1_000, "payment fee when paying in IO, basis points (≤ 10%)", "Fabric:Fees:PaymentFeeIoBps"),
        new(BookingFeeBps, 0, 500, "booking fee taken from a supplier's payout, basis points (≤ 5%)", "Fabric:Fees:BookingFeeBps"),
        new(BurnShareBps, 0, 10_000, "share of fee revenue that buys back and burns IO at the reference price (the buy-back's base share), basis points", "Fabric:Burn:BaseShareBps"),
        new(MinimumStakeIo, 0, 1_000_000, "minimum stake per hardware multiplier and GPU, whole IO", "Fabric:Staking:MinimumPerGpuIo"),
        new(SlashShareBps, 0, 10_000, "share of a stake slashed per fault, basis points", "Fabric:Staking:SlashBps"),
        new(WeightPrice, 0, 10_000, "placement score weight of price, basis points of one", "Fabric:Rental:Weights:Price"),
        new(WeightTier, 0, 10_000, "placement score weight of performance tier, basis points of one", "Fabric:Rental:Weights:Tier"),
        new(WeightReputation, 0, 10_000, "placement score weight of reputation, basis points of one", "Fabric:Rental:Weights:Reputation"),
        new(WeightRegion, 0, 10_000, "placement score weight of the wanted region, basis points of one", "Fabric:Rental:Weights:Region"),
        new(WeightLoad, 0, 10_000, "placement score weight of low load, basis points of one", "Fabric:Rental:Weights:Load"),
        new(RewardLow, 0, 100_000, "reward weight of an uptime second at Low tier, basis points of one", "Fabric:Rewards:WeightLow"),
        new(RewardMedium, 0, 100_000, "reward weight of an uptime second at Medium tier, basis points of one", "Fabric:Rewards:WeightMedium"),
        new(RewardHigh, 0, 100_000, "reward weight of an uptime second at High tier, basis points of one", "Fabric:Rewards:WeightHigh"),
        new(RewardUltra, 0, 100_000, "reward weight of an uptime second at Ultra tier, basis points of one", "Fabric:Rewards:WeightUltra"),
        new(RewardStakeBonusBps, 0, 100_000, "extra reward weight of a staked device's uptime, basis points", "Fabric:Rewards:StakeBonusBps"),
    ];

    private static readonly ImmutableDictionary<string, ParameterDefinition> ByName =
        All.ToImmutableDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly string[] PlacementNames = [WeightPrice, WeightTier, WeightReputation, WeightRegion, WeightLoad];

    public static ParameterDefinition? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>
    /// The defaults by name, each from the options that own the setting (<see cref="ParameterDefinition.DefaultKey"/>):
    /// fees, placement weights, staking, the burn and the rewards. Throws when one is outside its bounds or not a whole
    /// number of the parameter's unit.
    /// </summary>
    public static ImmutableDictionary<string, long> Defaults(
        FeeOptions fees, ScoreWeights weights, StakingOptions staking, BurnOptions burn, RewardOptions rewards)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal)
        {
            [PaymentFeeIosdBps] = fees.PaymentFeeIosdBps,
            [PaymentFeeIoBps] = fees.PaymentFeeIoBps,
            [BookingFeeBps] = fees.BookingFeeBps,
            [BurnShareBps] = burn.BaseShareBps,
            [MinimumStakeIo] = Whole(MinimumStakeIo, staking.MinimumPerGpuIo),
            [SlashShareBps] = staking.SlashBps,
            [WeightPrice] = Bps(weights.Price),
            [WeightTier] = Bps(weights.Tier),
            [WeightReputation] = Bps(weights.Reputation),
            [WeightRegion] = Bps(weights.Region),
            [WeightLoad] = Bps(weights.Load),
            [RewardLow] = Whole(RewardLow, rewards.WeightLow * 10_000),
            [RewardMedium] = Whole(RewardMedium, rewards.WeightMedium * 10_000),
            [RewardHigh] = Whole(RewardHigh, rewards.WeightHigh * 10_000),
            [RewardUltra] = Whole(RewardUltra, rewards.WeightUltra * 10_000),
            [RewardStakeBonusBps] = rewards.StakeBonusBps,
        };
        foreach (var (name, value) in values)
        {
            if (Check(name, value, values) is { } problem)
            {
                throw new InvalidOperationException($"Default of {problem} The default comes from {ByName[name].DefaultKey}.");
            }
        }

        return values.ToImmutableDictionary(StringComparer.Ordinal);
    }

    /// <summary>The defaults of configuration's own defaults (every options class as constructed): tools and tests.</summary>
    public static ImmutableDictionary<string, long> Defaults(FeeOptions fees) =>
        Defaults(fees, new ScoreWeights(), new StakingOptions(), new BurnOptions(), new RewardOptions());

    /// <summary>
    /// Null when <paramref name="name"/> may take <paramref name="value"/> given the other current values;
    /// otherwise why not, in words.
    /// </summary>
    public static string? Check(string name, long value, IReadOnlyDictionary<string, long> current)
    {
        if (Find(name) is not { } definition)
        {
            return $"'{name}' is not a governable parameter (see `fabric params`).";
        }

        if (value < definition.Min || value > definition.Max)
        {
            return $"{name} must be {definition.Min} to {definition.Max} ({definition.Description}); {value} is out of bounds.";
        }

        if (PlacementNames.Contains(name) && PlacementNames.Sum(n => n == name ? value : current.GetValueOrDefault(n)) <= 0)
        {
            return $"{name} = {value} would make every placement weight zero.";
        }

        return null;
    }

    /// <summary>The memo of a parameter event: "NAME=VALUE; note".</summary>
    public static string Memo(string name, long value, string note) =>
        string.IsNullOrEmpty(note)
            ? $"{name}={value.ToString(CultureInfo.InvariantCulture)}"
            : $"{name}={value.ToString(CultureInfo.InvariantCulture)}; {note}";

    /// <summary>Reads a parameter event's memo back; false when it is not "NAME=VALUE[; note]".</summary>
    public static bool TryParseMemo(string memo, out string name, out long value)
    {
        var end = memo.IndexOf(';', StringComparison.Ordinal);
        var head = end < 0 ? memo : memo[..end];
        var equals = head.IndexOf('=', StringComparison.Ordinal);
        name = equals < 0 ? "" : head[..equals];
        value = 0;
        return equals > 0 && long.TryParse(head[(equals + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The defaults with every change up to and including <paramref name="asOf"/> applied, in order.</summary>
    public static NetworkParameters Fold(ImmutableDictionary<string, long> defaults, IEnumerable<ParameterChange> changes, long asOf = long.MaxValue)
    {
        var values = defaults.ToBuilder();
        var changedAt = new Dictionary<string, long>(StringComparer.Ordinal);
        long version = 0;
        foreach (var change in changes.Where(c => c.Sequence <= asOf).OrderBy(c => c.Sequence))
        {
            values[change.Name] = change.Value;
            changedAt[change.Name] = change.Sequence;
            version = change.Sequence;
        }

        int Int(string name) => (int)values[name];
        return new NetworkParameters
        {
            Version = version,
            PaymentFeeIosdBps = Int(PaymentFeeIosdBps),
            PaymentFeeIoBps = Int(PaymentFeeIoBps),
            BookingFeeBps = Int(BookingFeeBps),
            BurnShareBps = Int(BurnShareBps),
            MinimumStakeIo = values[MinimumStakeIo],
            SlashShareBps = Int(SlashShareBps),
            Placement = new PlacementWeights
            {
                PriceBps = Int(WeightPrice), TierBps = Int(WeightTier), ReputationBps = Int(WeightReputation),
                RegionBps = Int(WeightRegion), LoadBps = Int(WeightLoad),
            },
            RewardTiers = new RewardTierWeights
            {
                LowBps = Int(RewardLow), MediumBps = Int(RewardMedium), HighBps = Int(RewardHigh), UltraBps = Int(RewardUltra),
            },
            StakeBonusBps = Int(RewardStakeBonusBps),
            Values = [.. All.Select(d => new ParameterValue
            {
                Name = d.Name, Value = values[d.Name], Default = defaults[d.Name], Min = d.Min, Max = d.Max,
                Description = d.Description, ChangedAt = changedAt.GetValueOrDefault(d.Name),
            })],
        };
    }

    /// <summary>The fee rates of <paramref name="parameters"/> in the form the ledger's planner and billing use.</summary>
    public static FeeOptions Fees(this NetworkParameters parameters) => new()
    {
        PaymentFeeIosdBps = parameters.PaymentFeeIosdBps,
        PaymentFeeIoBps = parameters.PaymentFeeIoBps,
        BookingFeeBps = parameters.BookingFeeBps,
    };

    /// <summary>The placement weights of <paramref name="parameters"/> as the scorer uses them.</summary>
    public static ScoreWeights Weights(this NetworkParameters parameters) => new()
    {
        Price = parameters.Placement.PriceBps / 10_000.0,
        Tier = parameters.Placement.TierBps / 10_000.0,
        Reputation = parameters.Placement.ReputationBps / 10_000.0,
        Region = parameters.Placement.RegionBps / 10_000.0,
        Load = parameters.Placement.LoadBps / 10_000.0,
    };

    /// <summary>The reward tier weights of <paramref name="parameters"/> as the pool shards weigh uptime (basis points of one).</summary>
    public static TierWeights RewardWeights(this NetworkParameters parameters) => new()
    {
        Low = parameters.RewardTiers.LowBps,
        Medium = parameters.RewardTiers.MediumBps,
        High = parameters.RewardTiers.HighBps,
        Ultra = parameters.RewardTiers.UltraBps,
    };

    /// <summary>The current values by name.</summary>
    public static ImmutableDictionary<string, long> ByNames(this NetworkParameters parameters) =>
        parameters.Values.ToImmutableDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);

    private static long Bps(double weight) => (long)Math.Round(weight * 10_000, MidpointRounding.AwayFromZero);

    /// <summary><paramref name="value"/> as a whole number; throws, naming the key, when it has a fraction or no long holds it.</summary>
    private static long Whole(string name, decimal value) =>
        decimal.Truncate(value) == value && value is >= long.MinValue and <= long.MaxValue
            ? (long)value
            : throw new InvalidOperationException(
                $"{ByName[name].DefaultKey} is the default of {name} and must make it a whole number ({value} is not).");
}
