namespace Fabric.Ledger;

/// <summary>
/// Who the network is and who may create money. Bound from "Fabric:Network". On SQLite the silo creates local
/// authority, treasury, oracle and market keys in the data folder when none are configured; on PostgreSQL every silo
/// must be given the same addresses.
/// </summary>
public sealed class NetworkOptions
{
    public const string Section = "Fabric:Network";

    /// <summary>Signed requests name it; a request for another network is refused.</summary>
    public string Id { get; set; } = "fabric-local";

    /// <summary>Base58 address of the network authority: the only signer of mints.</summary>
    public string? Authority { get; set; }

    /// <summary>Base58 address of the treasury: receives fees, signs IOSD deposits.</summary>
    public string? Treasury { get; set; }

    /// <summary>Base58 address of the price oracle: the only signer of "price.set" (IO/USD prices).</summary>
    public string? Oracle { get; set; }

    /// <summary>
    /// Base58 address of the market wallet: the counterparty of the hourly buy-back, paid the IOSD that buys the IO
    /// the treasury burns.
    /// </summary>
    public string? Market { get; set; }

    /// <summary>Longest a signed request may stay valid; bounds how long a captured request can be replayed.</summary>
    public TimeSpan MaxRequestLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Genesis recipients; a bucket without an address is not minted.</summary>
    public GenesisOptions Genesis { get; set; } = new();
}

/// <summary>
/// The 300,000,000 IO minted at genesis, split as the seed tokenomics say: community 50%, R&amp;D ecosystem 16%,
/// initial core contributors 11.3%, seed backers 12.5%, series A 10.2%.
/// </summary>
public sealed class GenesisOptions
{
    public string? Community { get; set; }
    public string? RnD { get; set; }
    public string? CoreContributors { get; set; }
    public string? Seed { get; set; }
    public string? SeriesA { get; set; }

    /// <summary>Whole IO per bucket; they add up to exactly 300,000,000.</summary>
    public IEnumerable<(string Bucket, string? Address, long WholeIo)> Buckets() =>
    [
        ("community", Community, 150_000_000),
        ("rnd-ecosystem", RnD, 48_000_000),
        ("core-contributors", CoreContributors, 33_900_000),
        ("seed", Seed, 37_500_000),
        ("series-a", SeriesA, 30_600_000),
    ];
}

/// <summary>
/// Fee rates in basis points (1 bp = 0.01%), bound from "Fabric:Fees"; governance will change them later. Fees are
/// rounded down to the base unit, so a fee never exceeds its rate.
/// </summary>
public sealed class FeeOptions
{
    public const string Section = "Fabric:Fees";

    /// <summary>Paying in IOSD: 2%.</summary>
    public int PaymentFeeIosdBps { get; set; } = 200;

    /// <summary>Paying in IO: free.</summary>
    public int PaymentFeeIoBps { get; set; }

    /// <summary>Taken from a supplier's payout when it is paid: 0.25%.</summary>
    public int BookingFeeBps { get; set; } = 25;

    public long PaymentFee(Money.Token token, long amount) =>
        Apply(token == Money.Token.IOSD ? PaymentFeeIosdBps : PaymentFeeIoBps, amount);

    public long BookingFee(long amount) => Apply(BookingFeeBps, amount);

    // Int128: amount × bps cannot overflow even at long.MaxValue.
    private static long Apply(int bps, long amount) => (long)((Int128)amount * bps / 10_000);
}
