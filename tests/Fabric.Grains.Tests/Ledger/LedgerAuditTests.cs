using Fabric.Ledger;
using Fabric.Money;
using Fabric.Storage;
using Fabric.Wallet;
using Microsoft.Data.Sqlite;

namespace Fabric.Tests.Ledger;

/// <summary>Genesis happens once, in the published split; verification finds any tampering.</summary>
[Collection(ClusterCollection.Name)]
public sealed class LedgerAuditTests(ClusterFixture fixture)
{
    private readonly LedgerTestKit _kit = new(fixture);

    [Fact]
    public async Task Genesis_mints_the_community_share_exactly_once()
    {
        // Waking the ledger mints genesis, as the silo does at start-up (GenesisStartup).
        await _kit.Ledger.GetHeadAsync();
        var community = await _kit.BalanceAsync(ClusterFixture.Community, Token.IO);
        await fixture.Cluster.DeactivateAsync(_kit.Ledger);
        await _kit.Ledger.GetHeadAsync();

        // 50% of 300,000,000 IO, in base units; the reactivated ledger did not mint it again.
        Assert.Equal((150_000_000L * 100_000_000, 0), community);
        Assert.Equal(community, await _kit.BalanceAsync(ClusterFixture.Community, Token.IO));
        var history = await _kit.Wallet(ClusterFixture.Community).GetHistoryAsync(new PageRequest());
        Assert.Equal("genesis:community", Assert.Single(history.Items).OperationId);
    }

    [Fact]
    public void The_genesis_split_adds_up_to_three_hundred_million_io() =>
        Assert.Equal(300_000_000, new GenesisOptions().Buckets().Sum(b => b.WholeIo));

    [Fact]
    public async Task The_ledger_verifies_and_every_event_chains_to_the_one_before()
    {
        await _kit.FundedAsync(io: 5, iosd: 5);

        var result = await _kit.Ledger.VerifyAsync();
        var tail = await _kit.Ledger.TailAsync(2);

        Assert.True(result.Ok, string.Join("; ", result.Problems));
        Assert.Equal(tail[0].Hash, result.HeadHash);
        Assert.Equal(tail[1].Hash, tail[0].PreviousHash);
        Assert.All(result.Supply, s => Assert.Equal(s.Minted - s.Burned, s.Balances + s.Held));
    }

    [Theory]
    [InlineData("UPDATE FabricLedgerPosting SET Delta = Delta + 1 WHERE Sequence = (SELECT MAX(Sequence) FROM FabricLedgerPosting) AND Delta > 0", "does not match its hash")]
    [InlineData("UPDATE FabricLedgerAccount SET Balance = Balance + 5 WHERE Account LIKE 'wallet:%' AND Balance > 0 AND rowid = (SELECT MIN(rowid) FROM FabricLedgerAccount WHERE Account LIKE 'wallet:%' AND Balance > 0)", "but its postings add up to")]
    [InlineData("DELETE FROM FabricLedgerEvent WHERE Sequence = 1", "does not chain to the event before it")]
    public async Task Verification_finds_tampering(string tamper, string problem)
    {
        await _kit.FundedAsync(io: 7);
        var copy = Path.Combine(Path.GetTempPath(), $"fabric-tamper-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        try
        {
            // Tamper with a consistent copy (VACUUM INTO), never the database the other tests share.
            var storage = FabricStorage.Sqlite(copy);
            await using (var source = new SqliteConnection(fixture.ConnectionString))
            {
                await source.OpenAsync();
                await using var vacuum = source.CreateCommand();
                vacuum.CommandText = $"VACUUM INTO '{storage.DatabaseFile}'";
                await vacuum.ExecuteNonQueryAsync();
            }

            await using (var target = new SqliteConnection(storage.ConnectionString))
            {
                await target.OpenAsync();
                await using var command = target.CreateCommand();
                command.CommandText = $"PRAGMA foreign_keys = OFF; {tamper}";
                Assert.True(await command.ExecuteNonQueryAsync() > 0);
            }

            var result = LedgerVerifier.Verify(await new LedgerStore(storage).ReadSnapshotAsync());

            Assert.False(result.Ok);
            Assert.Contains(result.Problems, p => p.Contains(problem, StringComparison.Ordinal));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(copy, recursive: true);
        }
    }
}
