using System.Diagnostics;
using System.Security.Cryptography;
using Fabric.Client;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Storage;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Data.Sqlite;

namespace Fabric.Samples.LedgerBenchmark;

/// <summary>How fast a phase went: count, wall time, rate and per-operation latency.</summary>
internal sealed record PhaseResult(int Count, int Concurrency, double Seconds, double PerSecond, double P50Ms, double P99Ms)
{
    public static PhaseResult From(double[] latenciesMs, int concurrency, TimeSpan elapsed)
    {
        var sorted = latenciesMs.Order().ToArray();
        double Percentile(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new PhaseResult(sorted.Length, concurrency, elapsed.TotalSeconds, sorted.Length / elapsed.TotalSeconds,
            Percentile(0.50), Percentile(0.99));
    }
}

/// <summary>CPU spent per measured transfer by the silo and by this process (the client), and how many cores that keeps busy.</summary>
internal sealed record CpuCost(double SiloMsPerTransfer, double ClientMsPerTransfer, double CoresBusy);

/// <summary>What the ledger said about itself after the run.</summary>
internal sealed record LedgerCheck(long Events, bool Ok, IReadOnlyList<string> Problems);

internal static class Measurements
{
    /// <summary>About the size of a ledger event row (ids, two addresses, three 32-byte hashes, numbers).</summary>
    public const int RawPayloadBytes = 250;

    /// <summary>
    /// Sequential single-row inserts into a fresh SQLite file with Fabric's connection settings (WAL, pooling,
    /// 30 s busy timeout, synchronous left at its default): one writer, one autocommit transaction per row.
    /// </summary>
    public static async Task<(PhaseResult Result, string Synchronous)> RawInsertsAsync(
        string folder, int count, int warmup, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var storage = FabricStorage.Sqlite(folder);
        await using var connection = new SqliteConnection(storage.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode=WAL;", cancellationToken);
        await ExecuteAsync(connection, "CREATE TABLE RawEvent (Sequence INTEGER PRIMARY KEY, Payload BLOB NOT NULL);", cancellationToken);
        var synchronous = Convert.ToInt64(await ScalarAsync(connection, "PRAGMA synchronous;", cancellationToken), System.Globalization.CultureInfo.InvariantCulture) switch
        {
            0 => "OFF", 1 => "NORMAL", 2 => "FULL", 3 => "EXTRA", var other => other.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO RawEvent (Sequence, Payload) VALUES ($sequence, $payload)";
        var sequence = insert.Parameters.Add("$sequence", SqliteType.Integer);
        var payload = insert.Parameters.Add("$payload", SqliteType.Blob);
        payload.Value = RandomNumberGenerator.GetBytes(RawPayloadBytes);
        insert.Prepare();

        long next = 0;
        for (var i = 0; i < warmup; i++)
        {
            sequence.Value = ++next;
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            sequence.Value = ++next;
            await insert.ExecuteNonQueryAsync(cancellationToken);
            latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return (PhaseResult.From(latencies, 1, clock.Elapsed), synchronous);
    }

    /// <summary>Funds the wallets, warms up, then measures pre-signed transfers sent with bounded concurrency.</summary>
    public static async Task<(PhaseResult Result, int Warmup, CpuCost Cpu, LedgerCheck Ledger)> TransfersAsync(
        FabricClient client, Func<TimeSpan> siloCpu, Keypair authority, BenchmarkOptions options, Action<string> progress,
        CancellationToken cancellationToken)
    {
        var wallets = Enumerable.Range(0, options.Wallets).Select(_ => Keypair.Generate()).ToArray();
        foreach (var wallet in wallets)
        {
            await client.MintAsync(authority, wallet.Address, Token.IO, Token.IO.ToBaseUnits(1_000_000m), "benchmark funding",
                cancellationToken: cancellationToken);
        }

        var networkId = await client.GetNetworkIdAsync(cancellationToken);
        var warmup = await WarmUpAsync(client, wallets, networkId, options, progress, cancellationToken);

        // Signing is the client's work, not the ledger's: done before the clock starts.
        var requests = Sign(wallets, networkId, options.Transfers);
        using var self = Process.GetCurrentProcess();
        var (siloBefore, clientBefore) = (siloCpu(), self.TotalProcessorTime);
        var clock = Stopwatch.StartNew();
        var latencies = await SendAsync(client, requests, options.Concurrency, cancellationToken);
        var result = PhaseResult.From(latencies, options.Concurrency, clock.Elapsed);
        self.Refresh();
        var (siloSpent, clientSpent) = (siloCpu() - siloBefore, self.TotalProcessorTime - clientBefore);
        var cpu = new CpuCost(siloSpent.TotalMilliseconds / options.Transfers, clientSpent.TotalMilliseconds / options.Transfers,
            (siloSpent + clientSpent) / clock.Elapsed);

        var verification = await client.VerifyLedgerAsync(cancellationToken);
        var expectedEvents = options.Wallets + warmup + options.Transfers;
        var problems = verification.Problems.ToList();
        if (verification.Events != expectedEvents)
        {
            problems.Add($"The ledger holds {verification.Events} events, not the {expectedEvents} sent.");
        }

        return (result, warmup, cpu, new LedgerCheck(verification.Events, problems.Count == 0, problems));
    }

    /// <summary>
    /// Sends rounds of transfers until three rounds in a row do not beat the best rate by 10% (tiered JIT compilation
    /// in the silo and the client takes about 10,000 transfers to settle on a 2-core machine), at least
    /// <see cref="BenchmarkOptions.Warmup"/> transfers in all; returns how many were sent.
    /// </summary>
    private static async Task<int> WarmUpAsync(
        FabricClient client, Keypair[] wallets, string networkId, BenchmarkOptions options, Action<string> progress,
        CancellationToken cancellationToken)
    {
        const int RoundSize = 2000;
        if (options.Warmup == 0)
        {
            return 0;
        }

        var maxRounds = Math.Max(15, (options.Warmup + RoundSize - 1) / RoundSize);

        var sent = 0;
        var best = 0.0;
        var flatRounds = 0;
        for (var round = 1; round <= maxRounds; round++)
        {
            var requests = Sign(wallets, networkId, RoundSize);
            var clock = Stopwatch.StartNew();
            await SendAsync(client, requests, options.Concurrency, cancellationToken);
            var rate = RoundSize / clock.Elapsed.TotalSeconds;
            sent += RoundSize;
            flatRounds = rate > best * 1.10 ? 0 : flatRounds + 1;
            best = Math.Max(best, rate);
            progress(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"  warm-up round {round}: {rate:0} transfers/s"));
            if (flatRounds >= 3 && sent >= options.Warmup)
            {
                break;
            }
        }

        return sent;
    }

    private static SignedRequest[] Sign(Keypair[] wallets, string networkId, int count)
    {
        var requests = new SignedRequest[count];
        var expires = DateTimeOffset.UtcNow + FabricClient.RequestLifetime;
        Parallel.For(0, count, i =>
        {
            var from = RandomNumberGenerator.GetInt32(wallets.Length);
            var to = RandomNumberGenerator.GetInt32(wallets.Length - 1);
            to += to >= from ? 1 : 0;
            var payload = new TransferPayload(wallets[to].Address, nameof(Token.IO), RandomNumberGenerator.GetInt32(1, 1000)).Encode();
            requests[i] = SignedRequest.Sign(wallets[from], networkId, Operations.Transfer, payload, expires);
        });
        return requests;
    }

    /// <summary>Sends every request, <paramref name="concurrency"/> at a time; returns each one's latency in ms.</summary>
    private static async Task<double[]> SendAsync(FabricClient client, SignedRequest[] requests, int concurrency, CancellationToken cancellationToken)
    {
        var latencies = new double[requests.Length];
        var next = -1;
        async Task WorkerAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests.Length)
            {
                var started = Stopwatch.GetTimestamp();
                var receipt = await client.SubmitAsync(requests[i], cancellationToken);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (receipt.Duplicate)
                {
                    throw new BenchmarkException($"Transfer {receipt.OperationId} came back as a duplicate although it was sent once.");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(WorkerAsync, cancellationToken)));
        return latencies;
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken);
    }
}
