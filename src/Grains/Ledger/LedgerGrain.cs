using System.Collections.Immutable;
using System.Data.Common;
using Fabric.Clusters;
using Fabric.Governance;
using Fabric.Money;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Ledger;

/// <summary>
/// The single writer of the ledger. Each command is applied inside a database transaction: check the operation id,
/// plan the postings against locked balances, append the hash-chained event, update balances and holds. Commands that
/// arrive while a transaction is being written wait and are then written together (group commit): each in its own
/// savepoint, so a refused command is undone alone, and all of them committed with one sync of the disk, which is most
/// of a command's cost. Nobody hears back before the commit, so a silo that dies mid-way leaves either a command's whole
/// movement or none of it, and a retry with the same id is answered from the stored event.
/// </summary>
/// <remarks>
/// Fee rates are live network parameters. The ledger is where a change becomes real: it records the change as a
/// "parameter" event and, in the same turn, swaps its in-memory <see cref="ParameterHistory"/>, so every command
/// planned after that event uses the new rate and none before it does. On activation (and after a write conflict) it
/// reads the parameter events back, so no polling or push from other grains is needed.
/// </remarks>
[Orleans.Concurrency.Reentrant]
public sealed partial class LedgerGrain(
    LedgerStore store,
    IOptions<NetworkOptions> network,
    IOptions<FeeOptions> fees,
    IOptions<RentalOptions> rental,
    IOptions<Staking.StakingOptions> staking,
    IOptions<Buyback.BurnOptions> burn,
    IOptions<Rewards.RewardOptions> rewards,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<LedgerGrain> logger) : Grain, ILedgerGrain
{
    private readonly SignedRequestGate _gate = new(network.Value, time);
    private readonly ImmutableDictionary<string, long> _defaults =
        ParameterCatalog.Defaults(fees.Value, rental.Value.Weights, staking.Value, burn.Value, rewards.Value);
    private ParameterHistory? _parameters;

    /// <summary>Most commands written in one transaction.</summary>
    private const int MaxBatch = 128;

    private readonly Queue<PendingCommand> _pending = new();
    private (long Sequence, byte[] Hash)? _head;
    private Task? _writer;

    public Task<LedgerReceipt> ApplyAsync(LedgerCommand command)
    {
        var pending = new PendingCommand(command, CommandDigest.Of(command));
        _pending.Enqueue(pending);
        // One writer at a time; the grain is reentrant so that commands arriving meanwhile join the next batch.
        if (_writer is null)
        {
            var writer = WriteAllAsync();
            _writer = writer.IsCompleted ? null : writer;
        }

        return pending.Done.Task;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _head = await store.ReadHeadAsync();
        _parameters = await ReadParametersAsync();
        await EnsureGenesisAsync();
    }

    private async Task<ParameterHistory> ReadParametersAsync() =>
        new(_defaults, ParameterHistory.Parse(await store.ReadParameterEventsAsync()));

    public Task<long> GetHeadAsync() => Task.FromResult(_head?.Sequence ?? 0);

    private async Task EnsureGenesisAsync()
    {
        foreach (var (bucket, address, wholeIo) in network.Value.Genesis.Buckets())
        {
            if (string.IsNullOrWhiteSpace(address))
            {
                continue;
            }

            try
            {
                var receipt = await ApplyAsync(new MintCommand
                {
                    OperationId = $"genesis:{bucket}",
                    To = address,
                    Token = Token.IO,
                    Amount = Token.IO.ToBaseUnits(wholeIo),
                    Memo = $"genesis: {bucket}",
                });
                if (!receipt.Duplicate)
                {
                    LogGenesis(logger, bucket, wholeIo, address);
                }
            }
            catch (FabricRejectedException e)
            {
                // Genesis happened with other settings; minting again would invent money. Say so, keep serving.
                LogGenesisRefused(logger, bucket, e.Message);
            }
        }
    }

    public async Task<LedgerReceipt> SubmitAuthorityAsync(SignedEnvelope request)
    {
        var (signer, role) = request.Operation switch
        {
            Operations.Mint => (network.Value.Authority, "network authority"),
            Operations.Deposit => (network.Value.Treasury, "treasury"),
            _ => throw new FabricRejectedException($"'{request.Operation}' is not an authority operation (mint or deposit)."),
        };
        if (!WalletAddress.TryParse(signer, out var expected))
        {
            throw new FabricRejectedException($"This network has no {role} configured.");
        }

        var verified = _gate.Verify(request, expected);
        var id = SignedRequestGate.OperationId(verified);
        LedgerCommand command = verified.Operation == Operations.Mint ? MintFrom(verified, id) : DepositFrom(verified, id);
        return await ApplyAsync(command);
    }

    public async Task<LedgerVerification> VerifyAsync() =>
        LedgerVerifier.Verify(await store.ReadSnapshotAsync(), network.Value.Treasury);

    public async Task<IReadOnlyList<LedgerEvent>> TailAsync(int take)
    {
        if (take is < 1 or > PageRequest.MaxSize)
        {
            throw new FabricRejectedException($"Take must be between 1 and {PageRequest.MaxSize}.");
        }

        return await store.ReadTailAsync(take);
    }

    private async Task WriteAllAsync()
    {
        try
        {
            while (_pending.Count > 0)
            {
                // Let the calls already waiting at the door in (SQLite's I/O completes synchronously, so without this
                // the writer would never give them a turn): they join this batch and share its commit.
                await Task.Yield();
                var batch = new List<PendingCommand>(Math.Min(_pending.Count, MaxBatch));
                while (batch.Count < MaxBatch && _pending.TryDequeue(out var next))
                {
                    batch.Add(next);
                }

                try
                {
                    await WriteBatchAsync(batch);
                }
                catch (Exception e)
                {
                    // Whatever went wrong, nobody may wait forever: the batch's callers hear of it.
                    foreach (var pending in batch)
                    {
                        pending.Done.TrySetException(e);
                    }
                }
            }
        }
        finally
        {
            _writer = null;
        }
    }

    private async Task WriteBatchAsync(List<PendingCommand> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcomes = new object[batch.Count];
                await using (var write = await store.BeginWriteAsync())
                {
                    var head = _head ??= await store.ReadHeadAsync();
                    // A parameter change in the batch applies to the commands after it, and only once committed.
                    var parameters = _parameters ??= await ReadParametersAsync();
                    for (var i = 0; i < batch.Count; i++)
                    {
                        await write.SaveAsync();
                        try
                        {
                            var (receipt, next, changed) = await ApplyOneAsync(write, batch[i], head, parameters);
                            await write.ReleaseAsync();
                            outcomes[i] = receipt;
                            head = next;
                            parameters = changed;
                        }
                        catch (FabricRejectedException e)
                        {
                            // Refused: undo its partial writes; the batch's other commands stand.
                            await write.RollbackToAsync();
                            await write.ReleaseAsync();
                            outcomes[i] = e;
                        }
                    }

                    await write.CommitAsync();
                    _head = head;
                    _parameters = parameters;
                }

                for (var i = 0; i < batch.Count; i++)
                {
                    if (outcomes[i] is LedgerReceipt receipt)
                    {
                        batch[i].Done.TrySetResult(receipt);
                    }
                    else
                    {
                        batch[i].Done.TrySetException((Exception)outcomes[i]);
                    }
                }

                return;
            }
            catch (DbException e) when (batch.Count > 1)
            {
                // One command's failure must not fail the others: write each alone (re-reading the head first).
                LogRetry(logger, batch[0].Command.OperationId, batch.Count, attempt, e.Message);
                _head = await store.ReadHeadAsync();
                _parameters = await ReadParametersAsync();
                foreach (var pending in batch)
                {
                    await WriteBatchAsync([pending]);
                }

                return;
            }
            catch (DbException e) when (attempt < 3)
            {
                // Another writer moved the head (a second activation during a membership change) or the database
                // was briefly busy: re-read the head and write the batch again. Operation ids keep it exactly-once.
                LogRetry(logger, batch[0].Command.OperationId, batch.Count, attempt, e.Message);
                _head = await store.ReadHeadAsync();
                _parameters = await ReadParametersAsync();
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(e);
                }

                return;
            }
        }
    }

    private async Task<(LedgerReceipt Receipt, (long Sequence, byte[] Hash) Head, ParameterHistory Parameters)> ApplyOneAsync(
        LedgerWrite write, PendingCommand pending, (long Sequence, byte[] Hash) head, ParameterHistory parameters)
    {
        var (command, digest) = (pending.Command, pending.Digest);
        if (await write.FindOperationAsync(command.OperationId) is { } existing)
        {
            if (!existing.Digest.AsSpan().SequenceEqual(digest))
            {
                throw new FabricRejectedException(
                    $"Operation id '{command.OperationId}' was already used for a different request; nothing was changed.");
            }

            return (Receipt(command.OperationId, existing.Sequence, existing.Hash, duplicate: true), head, parameters);
        }

        var plan = await new LedgerPlanner(parameters, network.Value.Treasury ?? "").PlanAsync(command, write);
        var unhashed = new StoredEvent(head.Sequence + 1, command.OperationId, plan.Kind, plan.Token, plan.Memo ?? command.Memo,
            command.RequestedBy, digest, time.GetUtcNow().ToUnixTimeMilliseconds(), head.Hash, [], plan.Postings);
        var stored = unhashed with { Hash = EventHashing.Hash(unhashed) };

        await write.AppendAsync(stored);
        switch (plan.Hold)
        {
            case { CloseAs: null } open:
                await write.OpenHoldAsync(open.HoldId, open.Owner, plan.Token, open.Amount, stored.Sequence);
                break;
            case { CloseAs: { } status } closed:
                await write.CloseHoldAsync(closed.HoldId, status, stored.Sequence);
                break;
        }

        if (command is ParameterCommand change)
        {
            parameters = parameters.With(new ParameterChange(stored.Sequence, change.Name, change.Value));
            LogParameter(logger, change.Name, change.Value, stored.Sequence);
        }

        return (Receipt(command.OperationId, stored.Sequence, stored.Hash, duplicate: false), (stored.Sequence, stored.Hash), parameters);
    }

    private static MintCommand MintFrom(SignedRequest request, string operationId)
    {
        var mint = SignedRequestGate.Decode(request, p => MintPayload.Decode(p.Span));
        return new MintCommand
        {
            OperationId = operationId,
            RequestedBy = request.Signer.ToString(),
            Memo = mint.Memo,
            To = mint.To.ToString(),
            Token = SignedRequestGate.ParseToken(mint.Token),
            Amount = mint.Amount,
        };
    }

    private static MintCommand DepositFrom(SignedRequest request, string operationId)
    {
        var deposit = SignedRequestGate.Decode(request, p => DepositPayload.Decode(p.Span));
        return new MintCommand
        {
            OperationId = operationId,
            RequestedBy = request.Signer.ToString(),
            Memo = $"deposit {deposit.Reference}",
            To = deposit.To.ToString(),
            Token = Token.IOSD,
            Amount = deposit.Amount,
        };
    }

    private static LedgerReceipt Receipt(string operationId, long sequence, byte[] hash, bool duplicate) => new()
    {
        OperationId = operationId, Sequence = sequence, Duplicate = duplicate, Hash = Convert.ToHexStringLower(hash),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ledger write of {OperationId} and {Count} command(s) with it failed (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogRetry(ILogger logger, string operationId, int count, int attempt, string reason);

    /// <summary>A command waiting for its batch, and who waits for its receipt.</summary>
    private sealed class PendingCommand(LedgerCommand command, byte[] digest)
    {
        public LedgerCommand Command { get; } = command;

        public byte[] Digest { get; } = digest;

        public TaskCompletionSource<LedgerReceipt> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Parameter {Name} is now {Value} (ledger event #{Sequence})")]
    private static partial void LogParameter(ILogger logger, string name, long value, long sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Genesis {Bucket}: minted {WholeIo} IO to {Address}")]
    private static partial void LogGenesis(ILogger logger, string bucket, long wholeIo, string address);

    [LoggerMessage(Level = LogLevel.Error, Message = "Genesis {Bucket} was not minted: {Reason}")]
    private static partial void LogGenesisRefused(ILogger logger, string bucket, string reason);
}
