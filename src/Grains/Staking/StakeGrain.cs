using System.Collections.Immutable;
using Fabric.Clusters;
using Fabric.Devices;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Fabric.Rejections;

namespace Fabric.Staking;

/// <summary>
/// The stake on one device (key: the device id). Each "stake.add" opens a ledger hold "stake/DEVICE/N" on the
/// owner's IO (the ledger refuses more than the owner has available); "stake.unstake" puts the whole stake in its
/// cooldown; "stake.withdraw" after the cooldown releases the holds to the owner. Neither while the device is rented.
/// A fault (from the device grain) is slashed once: the share of what is staked goes to the harmed renter or to the
/// burned supply in one ledger "slash" event whose operation id is "slash/DEVICE/FAULT", so the same fault again is a
/// no-op here and in the ledger. Device facts come from <see cref="IDeviceGrain.PeekAsync"/>, which interleaves, and
/// the renter from the cluster's escrow hold in the ledger: this grain never waits on a grain that may wait on it.
/// The minimum stake per GPU and the slash share are live network parameters, read from <see cref="IParametersGrain"/>
/// once per operation (which calls no other grain); the rest of <see cref="StakingOptions"/> is configuration.
/// </summary>
public sealed partial class StakeGrain(
    [PersistentState("stake", "fabric")] IPersistentState<StakeState> state,
    LedgerStore store,
    IOptions<NetworkOptions> network,
    IOptions<StakingOptions> options,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<StakeGrain> logger) : Grain, IStakeGrain
{
    private readonly SignedRequestGate _gate = new(network.Value, time);

    private string DeviceId => this.GetPrimaryKeyString();

    private ILedgerGrain Ledger => GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey);

    private Task<NetworkParameters> ParametersAsync() => GrainFactory.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey).GetAsync();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Pending is not null)
        {
            try
            {
                await FinishPendingAsync();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Kept in state: the next call tries again.
                LogPendingFailed(logger, DeviceId, e.Message);
            }
        }
    }

    public async Task<StakeDetails> SubmitAsync(SignedEnvelope request)
    {
        await FinishPendingAsync();
        var device = await DeviceAsync() ?? throw new FabricRejectedException($"No device has id '{DeviceId}'.");
        var owner = WalletAddress.Parse(device.Owner);
        var verified = _gate.Verify(request, owner);
        Require(!state.State.SeenRequests.ContainsKey(verified.RequestId),
            $"Request {verified.RequestId} was already applied to the stake on '{DeviceId}'; a replay changes nothing.");
        var named = verified.Operation switch
        {
            StakingOperations.Add => SignedRequestGate.Decode(verified, p => StakePayload.Decode(p.Span)).DeviceId,
            StakingOperations.Unstake or StakingOperations.Withdraw => SignedRequestGate.Decode(verified, p => StakeRefPayload.Decode(p.Span)).DeviceId,
            _ => throw new FabricRejectedException($"'{verified.Operation}' is not a staking operation (stake.add, stake.unstake, stake.withdraw)."),
        };
        Require(named == DeviceId, $"The request names device '{named}', not '{DeviceId}'.");
        Require(state.State.Owner is null || state.State.Owner == device.Owner || state.State.Holds.IsEmpty,
            $"The stake on '{DeviceId}' belongs to {state.State.Owner}.");

        var parameters = await ParametersAsync();
        switch (verified.Operation)
        {
            case StakingOperations.Add:
                await AddAsync(device, verified, parameters);
                break;
            case StakingOperations.Unstake:
                await UnstakeAsync(device, verified);
                break;
            default:
                await WithdrawAsync(device, verified);
                break;
        }

        return Details(device, parameters);
    }

    public async Task<StakeDetails> GetAsync()
    {
        await FinishPendingAsync();
        return Details(await DeviceAsync(), await ParametersAsync());
    }

    public async Task SlashAsync(StakeFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        Require(!string.IsNullOrWhiteSpace(fault.FaultId) && fault.FaultId.Length <= 120, "A fault id is 1 to 120 characters.");
        await FinishPendingAsync();
        if (state.State.Faults.Any(f => f.Fault.FaultId == fault.FaultId))
        {
            return;
        }

        var settings = options.Value;
        // A stake being withdrawn (holds partly released before a crash) is no longer slashable.
        var staked = state.State.Withdrawing ? 0 : state.State.Holds.Sum(h => h.Left);
        // The share in force now (governance changes it); the planned slash keeps its amount through a retry.
        var amount = StakeRules.Share(staked, (await ParametersAsync()).SlashShareBps);
        var renter = settings.SlashTo == SlashDestination.Renter && fault.ClusterId.Length > 0 ? await RenterOfAsync(fault.ClusterId) : "";
        var operationId = amount > 0 ? $"slash/{DeviceId}/{fault.FaultId}" : "";
        var (slices, _) = StakeRules.Take(state.State.Holds, amount);
        var record = new SlashRecord { Fault = fault, Amount = amount, PaidTo = renter, OperationId = operationId };
        // Written before it is applied: a crash between the two applies the same command (same id) again.
        await state.WriteAsync(state.State with { Pending = new PlannedSlash { Record = record, Slices = slices } });
        await FinishPendingAsync();
    }

    private async Task AddAsync(DeviceDetails device, SignedRequest verified, NetworkParameters parameters)
    {
        var payload = SignedRequestGate.Decode(verified, p => StakePayload.Decode(p.Span));
        Require(payload.Amount > 0, $"A stake must be positive (got {payload.Amount} IO base units).");
        Require(device.Status != DeviceStatus.Removed, $"Device '{DeviceId}' was removed.");
        Require(state.State.UnstakedAt is null,
            $"The stake on '{DeviceId}' is cooling down until {state.State.WithdrawableAt:u}; withdraw it before staking again.");
        var minimum = options.Value.MinimumStake(device.Spec.Model, 1, parameters.MinimumStakeIo);
        var staked = state.State.Holds.Sum(h => h.Left);
        Require(staked + payload.Amount >= minimum,
            $"A stake of {Io(payload.Amount)} IO leaves '{DeviceId}' at {Io(staked + payload.Amount)} IO, below the minimum of {Io(minimum)} IO for a {device.Spec.Model}.");
        var available = (await store.ReadBalancesAsync(device.Owner)).Single(b => b.Token == Token.IO).Available;
        Require(payload.Amount <= available,
            $"Cannot stake {Io(payload.Amount)} IO: {device.Owner} has {Io(available)} IO available.");

        var holdId = $"stake/{DeviceId}/{state.State.NextHold}";
        await Ledger.ApplyAsync(new HoldCommand
        {
            OperationId = SignedRequestGate.OperationId(verified),
            RequestedBy = device.Owner,
            HoldId = holdId,
            Owner = device.Owner,
            Token = Token.IO,
            Amount = payload.Amount,
            Memo = $"stake on device {DeviceId}",
        });
        await state.WriteAsync(Seen(state.State, verified) with
        {
            Owner = device.Owner,
            Holds = state.State.Holds.Add(new StakeHold { HoldId = holdId, Amount = payload.Amount, Left = payload.Amount }),
            NextHold = state.State.NextHold + 1,
        });
        LogStaked(logger, DeviceId, payload.Amount, device.Owner);
    }

    private async Task UnstakeAsync(DeviceDetails device, SignedRequest verified)
    {
        Require(state.State.UnstakedAt is null,
            $"The stake on '{DeviceId}' is already cooling down (unstaked {state.State.UnstakedAt:u}); withdraw it after {state.State.WithdrawableAt:u}.");
        Require(state.State.Holds.Sum(h => h.Left) > 0, $"Nothing is staked on '{DeviceId}'.");
        RequireNotRented(device, "unstake");
        var now = time.GetUtcNow();
        var until = now + options.Value.Cooldown;
        await state.WriteAsync(Seen(state.State, verified) with { UnstakedAt = now, WithdrawableAt = until });
        LogUnstaked(logger, DeviceId, until);
    }

    private async Task WithdrawAsync(DeviceDetails device, SignedRequest verified)
    {
        Require(state.State.WithdrawableAt is not null, $"Nothing on '{DeviceId}' is cooling down: unstake first.");
        var now = time.GetUtcNow();
        Require(now >= state.State.WithdrawableAt!.Value,
            $"The stake on '{DeviceId}' cools down until {state.State.WithdrawableAt:u}; withdraw after that ({(state.State.WithdrawableAt.Value - now).TotalHours:0.#} h left).");
        RequireNotRented(device, "withdraw");

        await state.WriteAsync(state.State with { Withdrawing = true });
        var returned = 0L;
        foreach (var hold in state.State.Holds)
        {
            // Fixed ids: a retry after a crash finds the releases already applied.
            await Ledger.ApplyAsync(new ReleaseCommand { OperationId = $"{hold.HoldId}/release", HoldId = hold.HoldId, Memo = $"stake on device {DeviceId} withdrawn" });
            returned += hold.Left;
        }

        await state.WriteAsync(Seen(state.State, verified) with { Holds = [], UnstakedAt = null, WithdrawableAt = null, Withdrawing = false });
        LogWithdrawn(logger, DeviceId, returned);
    }

    /// <summary>Applies the planned slash, if any, and records it.</summary>
    private async Task FinishPendingAsync()
    {
        if (state.State.Pending is not { } pending)
        {
            return;
        }

        var record = pending.Record;
        var applied = pending.Slices.Count > 0;
        if (applied)
        {
            try
            {
                var receipt = await Ledger.ApplyAsync(new SlashCommand
                {
                    OperationId = record.OperationId,
                    From = pending.Slices,
                    To = record.PaidTo,
                    Memo = $"slash of device {DeviceId}: {record.Fault.Kind} ({record.Fault.Detail})",
                });
                // A duplicate means this exact slash was applied before and recorded: not again here.
                applied = !receipt.Duplicate || !state.State.Faults.Any(f => f.OperationId == record.OperationId);
            }
            catch (FabricRejectedException e)
            {
                // The same fault slashed earlier with other amounts (its record fell out of the bounded list), or a
                // rule the ledger enforces: recorded as not slashed rather than retried for ever.
                LogSlashRefused(logger, DeviceId, record.Fault.FaultId, e.Message);
                applied = false;
            }
        }

        var holds = applied ? [.. StakeRules.Take(state.State.Holds, record.Amount).After] : state.State.Holds;
        var faults = state.State.Faults.Add(applied ? record : record with { Amount = 0 });
        if (faults.Count > options.Value.FaultsKept)
        {
            faults = faults.RemoveRange(0, faults.Count - options.Value.FaultsKept);
        }

        await state.WriteAsync(state.State with
        {
            Pending = null,
            Holds = holds,
            Faults = faults,
            Slashed = state.State.Slashed + (applied ? record.Amount : 0),
        });
        LogSlashed(logger, DeviceId, record.Fault.FaultId, record.Fault.Kind, applied ? record.Amount : 0,
            record.PaidTo.Length > 0 ? record.PaidTo : "burned");
    }

    /// <summary>The renter of a cluster: the owner of its first escrow hold (read from the ledger, not the cluster grain).</summary>
    private async Task<string> RenterOfAsync(string clusterId) =>
        await store.ReadHoldOwnerAsync(ClusterGrain.EscrowHoldId(clusterId, 0)) ?? "";

    private async Task<DeviceDetails?> DeviceAsync() => await GrainFactory.GetGrain<IDeviceGrain>(DeviceId).PeekAsync();

    private static void RequireNotRented(DeviceDetails device, string what) =>
        Require(device.Status != DeviceStatus.Busy, $"Device '{device.Id}' is rented (Busy); {what} when it is idle.");

    private StakeDetails Details(DeviceDetails? device, NetworkParameters parameters)
    {
        var s = state.State;
        var held = s.Holds.Sum(h => h.Left);
        var minimum = device is null ? 0 : options.Value.MinimumStake(device.Spec.Model, 1, parameters.MinimumStakeIo);
        var active = s.UnstakedAt is null ? held : 0;
        return new StakeDetails
        {
            DeviceId = DeviceId,
            Owner = device?.Owner ?? s.Owner ?? "",
            Active = active,
            CoolingDown = s.UnstakedAt is null ? 0 : held,
            WithdrawableAt = s.WithdrawableAt,
            Slashed = s.Slashed,
            Minimum = minimum,
            MeetsMinimum = device is not null && active > 0 && active >= minimum,
            Faults = s.Faults,
            Holds = [.. s.Holds.Select(h => h.HoldId)],
        };
    }

    private StakeState Seen(StakeState s, SignedRequest request)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var seen = s.SeenRequests.RemoveRange(s.SeenRequests.Where(r => r.Value <= now).Select(r => r.Key));
        return s with { SeenRequests = seen.SetItem(request.RequestId, request.ExpiresAtUnixMs) };
    }

    private static decimal Io(long baseUnits) => Token.IO.FromBaseUnits(baseUnits);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: {Amount} IO base units staked by {Owner}")]
    private static partial void LogStaked(ILogger logger, string deviceId, long amount, string owner);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: stake unstaked, withdrawable at {Until:u}")]
    private static partial void LogUnstaked(ILogger logger, string deviceId, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {DeviceId}: stake withdrawn, {Amount} IO base units returned")]
    private static partial void LogWithdrawn(ILogger logger, string deviceId, long amount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId} slashed for fault {FaultId} ({Kind}): {Amount} IO base units to {To}")]
    private static partial void LogSlashed(ILogger logger, string deviceId, string faultId, FaultKind kind, long amount, string to);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId}: the ledger refused the slash for fault {FaultId}: {Reason}")]
    private static partial void LogSlashRefused(ILogger logger, string deviceId, string faultId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {DeviceId}: a planned slash could not be applied yet: {Reason}")]
    private static partial void LogPendingFailed(ILogger logger, string deviceId, string reason);
}
