using Fabric.Devices;

namespace Fabric.Samples.PoolBenchmark;

/// <summary>A mix of pool queries a placement service or a renter's search would send, each with Take 50.</summary>
internal static class Queries
{
    public static readonly string[] Kinds =
    [
        "model, by price", "min VRAM, by tier", "region, by price", "max price, by price", "verified only",
        "free only", "model + region + max price", "2 models + min VRAM, by tier", "status Verifying/Failed, by id",
        "everything, by price, skip 100",
    ];

    /// <summary>Query <paramref name="n"/> of the mix: its kind cycles, its parameters are drawn from <paramref name="random"/>.</summary>
    public static PoolQuery Make(int n, Random random)
    {
        string Model() => Fleet.Models[random.Next(Fleet.Models.Length)].Name;
        string Region() => Fleet.Regions[random.Next(Fleet.Regions.Length)];
        long Price() => random.Next(150, 2_500) * 1000L;
        return (n % Kinds.Length) switch
        {
            0 => new PoolQuery { Models = [Model()], Sort = PoolSort.Price },
            1 => new PoolQuery { MinVramMib = random.Next(2) == 0 ? 40_000 : 80_000, Sort = PoolSort.Tier },
            2 => new PoolQuery { Region = Region(), Sort = PoolSort.Price },
            3 => new PoolQuery { MaxPricePerHourBaseUnits = Price(), Sort = PoolSort.Price },
            4 => new PoolQuery { VerifiedOnly = true, Sort = PoolSort.Tier },
            5 => new PoolQuery { FreeOnly = true, Sort = PoolSort.Price },
            6 => new PoolQuery { Models = [Model()], Region = Region(), MaxPricePerHourBaseUnits = Price(), Sort = PoolSort.Price },
            7 => new PoolQuery { Models = [Model(), Model()], MinVramMib = 20_000, Sort = PoolSort.Tier },
            8 => new PoolQuery { Statuses = [DeviceStatus.Verifying, DeviceStatus.FailedVerification], Sort = PoolSort.Id },
            _ => new PoolQuery { Skip = 100, Sort = PoolSort.Price },
        };
    }
}
