using System.Collections.Concurrent;
using System.Diagnostics;
using Fabric.Client;
using Fabric.Integration.Infrastructure;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Integration;

/// <summary>
/// The ledger's exactly-once promise under a crash: signed transfers are in flight when a silo process is killed;
/// resending every one of them afterwards applies each exactly once, whatever the first round did.
/// </summary>
public sealed class LedgerKillTests(ITestOutputHelper output) : IDisposable
{
    private const int FundedSenders = 8;
    private const int WalletCount = 16;
    private const int TransferCount = 400;
    private const int Parallelism = 16;

    private static readonly long MintedEach = Token.IO.ToBaseUnits(1_000m);

    // Calls stuck on the killed silo fail in seconds rather than after the default 30 s.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly string _workDir = Paths.NewTempFolder("ledgerkill");

    private string DataDir => Path.Combine(_workDir, ".fabric");

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task Transfers_interrupted_by_a_silo_kill_apply_exactly_once_when_retried()
    {
        var clock = Stopwatch.StartNew();
        var cancel = TestContext.Current.CancellationToken;

        // Two silo processes on one SQLite file; the first creates the local authority key.
        await using var siloA = await SiloProcess.StartAsync(SiloSettings.OnFreePorts(DataDir));
        var authority = KeypairFile.Read(Path.Combine(DataDir, "keys", "authority.json"));
        var settingsB = SiloSettings.OnFreePorts(DataDir);
        await using var siloB = await SiloProcess.StartAsync(settingsB);

        await using var viaDatabase = new FabricClient(new FabricClientOptions { DataDir = DataDir, ResponseTimeout = CallTimeout });
        await Eventually.WaitAsync(() => viaDatabase.GetStatusAsync(cancellationToken: cancel),
            s => s.Silos.Count(x => x.Status == "Active") == 2, TimeSpan.FromSeconds(60), "both silos Active");
        await using var viaB = new FabricClient(new FabricClientOptions { Gateways = [settingsB.Gateway], ResponseTimeout = CallTimeout });
        await viaB.ConnectAsync(cancel);

        // Fund the senders; the other wallets only receive.
        var wallets = Enumerable.Range(0, WalletCount).Select(_ => Keypair.Generate()).ToArray();
        var expected = wallets.ToDictionary(w => w.Address, _ => 0L);
        for (var i = 0; i < FundedSenders; i++)
        {
            var minted = await viaDatabase.MintAsync(authority, wallets[i].Address, Token.IO, MintedEach, "kill test", cancellationToken: cancel);
            Assert.False(minted.Duplicate);
            expected[wallets[i].Address] += MintedEach;
        }

        // Pre-signed transfers: each SignedRequest is the retry unit (same request id, same signature, every time).
        // Amounts are tiny next to the mints, so every one of them must succeed whatever order they apply in.
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var requests = new SignedRequest[TransferCount];
        for (var i = 0; i < TransferCount; i++)
        {
            var from = random.Next(FundedSenders);
            var to = random.Next(WalletCount - 1);
            to += to >= from ? 1 : 0;
            long amount = random.Next(1, 1_000_000);
            requests[i] = await viaDatabase.SignAsync(wallets[from], Operations.Transfer,
                new TransferPayload(wallets[to].Address, nameof(Token.IO), amount).Encode(), cancellationToken: cancel);
            expected[wallets[from].Address] -= amount;
            expected[wallets[to].Address] += amount;
        }

        // Round one: half the calls go through silo B's gateway; a third of the way in, B is killed with calls in
        // flight. Failures are recorded, not fatal; after the kill everything goes through the database client.
        var roundOne = new LedgerReceipt?[TransferCount];
        var roundOneFailures = new ConcurrentDictionary<string, int>();
        var submitted = 0;
        var killed = 0;
        var killNow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killer = Task.Run(async () =>
        {
            await killNow.Task;
            Volatile.Write(ref killed, 1);
            await siloB.KillAsync();
        }, cancel);
        await Parallel.ForEachAsync(Enumerable.Range(0, TransferCount),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancel }, async (i, ct) =>
            {
                if (Interlocked.Increment(ref submitted) == TransferCount / 3)
                {
                    killNow.TrySetResult();
                }

                var client = i % 2 == 1 && Volatile.Read(ref killed) == 0 ? viaB : viaDatabase;
                try
                {
                    roundOne[i] = await client.SubmitAsync(requests[i], ct);
                }
                catch (Exception e) when (e is not FabricRejectedException and not OperationCanceledException)
                {
                    roundOneFailures.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                }
            });
        await killer;
        var roundOneApplied = roundOne.Count(r => r is not null);
        output.WriteLine($"round one: {roundOneApplied} receipts, failures {string.Join(", ", roundOneFailures.Select(f => $"{f.Key}×{f.Value}"))}" +
                         $" ({clock.Elapsed.TotalSeconds:0.0} s)");
        Assert.All(roundOne.OfType<LedgerReceipt>(), r => Assert.False(r.Duplicate));

        // Restart B on its own ports and the same data; the cluster has two live silos again.
        await using var restartedB = await SiloProcess.StartAsync(settingsB);
        await using var client = new FabricClient(new FabricClientOptions { DataDir = DataDir, ResponseTimeout = CallTimeout });
        await Eventually.WaitAsync(() => client.GetStatusAsync(includeDead: true, cancel),
            s => s.Silos.Count(x => x.Status == "Active") == 2 && s.Silos.Any(x => x.Status == "Dead"),
            TimeSpan.FromSeconds(60), "the restarted silo Active and the killed one Dead");

        // Everything at or below this head was applied before round two (in round one, or by a round-one call
        // that was still running inside the cluster when its caller gave up).
        var headBeforeRoundTwo = (await client.TailLedgerAsync(1, cancel))[0].Sequence;
        var appliedBefore = headBeforeRoundTwo - FundedSenders;
        Assert.InRange(appliedBefore, roundOneApplied, TransferCount);

        // Round two: every request again, the same objects, retried on transient failures until it has a receipt.
        var roundTwo = new LedgerReceipt?[TransferCount];
        var retriedInRoundTwo = new bool[TransferCount];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        await Parallel.ForEachAsync(Enumerable.Range(0, TransferCount),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancel }, async (i, ct) =>
            {
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        roundTwo[i] = await client.SubmitAsync(requests[i], ct);
                        return;
                    }
                    catch (Exception e) when (e is not FabricRejectedException and not OperationCanceledException && DateTime.UtcNow < deadline)
                    {
                        retriedInRoundTwo[i] = true;
                        output.WriteLine($"round two, request {i}, attempt {attempt}: {e.GetType().Name}: {e.Message}");
                        await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 100 * attempt)), ct);
                    }
                }
            });
        var receipts = roundTwo.Select((r, i) => r ?? throw new InvalidOperationException($"Request {i} has no receipt.")).ToArray();
        var duplicates = receipts.Count(r => r.Duplicate);
        output.WriteLine($"round two: {duplicates} duplicates, {TransferCount - duplicates} applied now, " +
                         $"{retriedInRoundTwo.Count(r => r)} retried ({clock.Elapsed.TotalSeconds:0.0} s)");

        // Each request owns exactly one ledger position, and together they fill the ledger after the mints.
        Assert.Equal(
            Enumerable.Range(FundedSenders + 1, TransferCount).Select(n => (long)n),
            receipts.Select(r => r.Sequence).Order());
        for (var i = 0; i < TransferCount; i++)
        {
            Assert.Equal(OperationId(requests[i]), receipts[i].OperationId);
            if (roundOne[i] is { } first)
            {
                // Acknowledged in round one: now a duplicate naming the very same event.
                Assert.True(receipts[i].Duplicate, $"request {i} was applied in round one but applied again");
                Assert.Equal(first.Sequence, receipts[i].Sequence);
                Assert.Equal(first.Hash, receipts[i].Hash);
            }

            if (receipts[i].Sequence <= headBeforeRoundTwo)
            {
                Assert.True(receipts[i].Duplicate, $"request {i} (#{receipts[i].Sequence}) was in the ledger before round two");
            }
            else if (receipts[i].Duplicate)
            {
                // Only a call whose first round ended unknown, or a round-two call retried after a lost answer,
                // may find itself applied after round two began.
                Assert.True(roundOne[i] is null || retriedInRoundTwo[i], $"request {i} is a duplicate of nothing sent before");
            }
        }

        Assert.True(duplicates >= appliedBefore && appliedBefore > 0, $"{duplicates} duplicates, {appliedBefore} applied before round two");
        Assert.Equal(appliedBefore, receipts.Count(r => r.Sequence <= headBeforeRoundTwo && r.Duplicate));

        // The ledger: K mints and N transfers, each request's operation id once, chain and conservation intact.
        var verification = await client.VerifyLedgerAsync(cancel);
        Assert.Empty(verification.Problems);
        Assert.True(verification.Ok);
        Assert.Equal(FundedSenders + TransferCount, verification.Events);
        var io = Assert.Single(verification.Supply, s => s.Token == Token.IO);
        Assert.Equal(FundedSenders * MintedEach, io.Minted);
        Assert.Equal(0, io.Burned);
        Assert.Equal(0, io.Held);
        Assert.Equal(io.Minted, io.Balances);
        Assert.All(verification.Supply.Where(s => s.Token != Token.IO), s => Assert.Equal(0, s.Minted + s.Burned + s.Balances + s.Held));

        var events = await client.TailLedgerAsync(FundedSenders + TransferCount, cancel);
        Assert.Equal(FundedSenders, events.Count(e => e.Kind == "mint"));
        Assert.Equal(
            requests.Select(OperationId).Order(StringComparer.Ordinal),
            events.Where(e => e.Kind == "transfer").Select(e => e.OperationId).Order(StringComparer.Ordinal));

        // Every balance is what applying each transfer exactly once gives.
        foreach (var wallet in wallets)
        {
            var balance = Assert.Single(await client.GetBalancesAsync(wallet.Address, cancel), b => b.Token == Token.IO);
            Assert.Equal(expected[wallet.Address], balance.Available);
            Assert.Equal(0, balance.Held);
        }

        output.WriteLine($"done in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>The ledger's operation id of a signed request: signer and request id.</summary>
    private static string OperationId(SignedRequest request) => $"{request.Signer}/{request.RequestId:N}";
}
