using Fabric.Devices;
using Fabric.Economy;
using Fabric.Governance;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Fabric.Rewards;

/// <summary>
/// Mints each closed hour's issuance to device owners, once per epoch (hour), in proportion to verified uptime × tier
/// weight × (1 + staking bonus). The tier weights and the staking bonus are live network parameters, read from
/// <see cref="IParametersGrain"/> once per epoch when it is planned (the values in force then, a few minutes after the
/// hour closed); the stored plan keeps them through retries.
/// </summary>
/// <remarks>
/// <para><b>Exactly once.</b> For epoch e: (1) if the reward tables hold no plan for e, read the hour's uptime from every
/// pool shard, split the issuance (<see cref="RewardSplit"/>) and write the plan (every device's share, every wallet's
/// payout) in one transaction; (2) mint every payout of the stored plan, in wallet order, with operation id
/// <c>reward/{stream}/{e}/{wallet}</c>: the ledger applies an id once, so minting a plan again mints nothing twice;
/// (3) mark the plan applied; (4) move the cursor (grain state) to e + 1. A crash anywhere re-runs from the stored
/// plan, never from a new reading of the shards, so the epoch is minted once, in full, with the same amounts.</para>
/// <para><b>The first epoch</b> is the hour in which the stream first runs: hours of the schedule before the network
/// existed are never minted (nobody supplied anything then). With the default schedule start (2024-01-01) a network
/// started later issues at the published rate of its calendar month; set <c>Fabric:Emission:Start</c> to the launch
/// hour to begin at month 0 instead.</para>
/// <para><b>Never past the cap.</b> An epoch distributes at most its issuance (the CPU pool and whatever no device
/// earned are recorded as undistributed and never minted), the schedule never issues more than cap − genesis, and the
/// grain refuses a plan that would take the stream's minted total past that budget.</para>
/// <para>Reentrant so that reads are served during a long distribution; runs are single-flight.</para>
/// </remarks>
[Reentrant]
public sealed partial class RewardGrain(
    [PersistentState("rewards", "fabric")] IPersistentState<RewardState> state,
    EmissionSchedule schedule,
    RewardStore store,
    IStakeReader stakes,
    IRewardProgress progress,
    IOptions<RewardOptions> options,
    IOptions<PoolOptions> pool,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<RewardGrain> logger) : Grain, IRewardGrain, IRemindable
{
    private const string ReminderName = "rewards";

    private Task<IReadOnlyList<RewardEpoch>>? _run;
    private IGrainTimer? _catchUp;

    private string Stream => this.GetPrimaryKeyString();

    /// <summary>The ledger operation id of a reward payout.</summary>
    public static string OperationId(string stream, long epoch, string owner) => $"reward/{stream}/{epoch}/{owner}";

    public async Task StartAsync()
    {
        var now = time.GetUtcNow();
        var nextHour = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerHour), TimeSpan.Zero).AddHours(1);
        await this.RegisterOrUpdateReminder(ReminderName, nextHour + options.Value.Grace - now, options.Value.RunEvery);
        // Catch up now rather than at the first tick (a silo that was down has hours due).
        StartCatchUp();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await RunLoggedAsync();
        }
    }

    public async Task<IReadOnlyList<RewardEpoch>> RunDueAsync()
    {
        if (_run is { } running)
        {
            return await running;
        }

        _run = RunCoreAsync();
        try
        {
            return await _run;
        }
        catch
        {
            // Start the next try from storage, not from what this activation believes.
            this.DeactivateOnIdle();
            throw;
        }
        finally
        {
            _run = null;
        }
    }

    public Task<RewardStatus> GetStatusAsync()
    {
        var s = state.State;
        var hour = schedule.HourIndexOf(time.GetUtcNow());
        return Task.FromResult(new RewardStatus
        {
            Preset = schedule.Preset,
            ScheduleStart = schedule.Start,
            FirstEpoch = s.FirstEpoch,
            NextEpoch = s.NextEpoch,
            Minted = s.Minted,
            Undistributed = s.Undistributed,
            IssuanceThisHour = schedule.Issuance(hour),
            IssuanceNextHour = schedule.Issuance(hour + 1),
            Budget = schedule.Budget,
        });
    }

    public Task<Page<RewardEpoch>> EpochsAsync(PageRequest page)
    {
        Validate(page);
        return store.ReadEpochsAsync(Stream, page);
    }

    public Task<Page<RewardPayout>> PayoutsAsync(string owner, PageRequest page)
    {
        Validate(page);
        if (string.IsNullOrWhiteSpace(owner))
        {
            throw new FabricRejectedException("Name the wallet whose rewards to list.");
        }

        return store.ReadPayoutsAsync(Stream, owner, page);
    }

    public Task<DeviceEarnings> DeviceEarningsAsync(string deviceId, int take)
    {
        if (string.IsNullOrWhiteSpace(deviceId))
        {
            throw new FabricRejectedException("Name the device whose earnings to show.");
        }

        if (take is < 0 or > PageRequest.MaxSize)
        {
            throw new FabricRejectedException($"Take must be between 0 and {PageRequest.MaxSize}.");
        }

        return store.ReadDeviceEarningsAsync(Stream, deviceId, take);
    }

    private static void Validate(PageRequest page)
    {
        try
        {
            page.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new FabricRejectedException(e.Message);
        }
    }

    private async Task<IReadOnlyList<RewardEpoch>> RunCoreAsync()
    {
        var now = time.GetUtcNow();
        if (state.State.NextEpoch is null)
        {
            var first = Math.Max(0, schedule.HourIndexOf(now));
            await state.WriteAsync(state.State with { FirstEpoch = first, NextEpoch = first });
            var firstStart = schedule.HourStart(first);
            LogFirstEpoch(logger, Stream, first, firstStart);
        }

        var done = new List<RewardEpoch>();
        var cfg = options.Value;
        while (done.Count < cfg.MaxEpochsPerRun)
        {
            var epoch = state.State.NextEpoch!.Value;
            var hourStart = schedule.HourStart(epoch);
            if (now < hourStart.AddHours(1) + cfg.Grace)
            {
                break;
            }

            done.Add(await DistributeAsync(epoch, hourStart, now));
        }

        return done;
    }

    private async Task<RewardEpoch> DistributeAsync(long epoch, DateTimeOffset hourStart, DateTimeOffset now)
    {
        var record = await store.ReadEpochAsync(Stream, epoch) ?? await PlanAsync(epoch, hourStart, now);
        if (record.Status == RewardEpochStatus.Planned)
        {
            var mints = await store.ReadPlannedMintsAsync(Stream, epoch);
            var ledger = GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey);
            var memo = $"reward epoch {epoch} ({hourStart:yyyy-MM-dd HH:mm}Z)";
            for (var k = 0; k < mints.Count; k++)
            {
                var (owner, amount) = mints[k];
                await ledger.ApplyAsync(new MintCommand
                {
                    OperationId = OperationId(Stream, epoch, owner), To = owner, Token = Token.IO, Amount = amount, Memo = memo,
                });
                await progress.MintedAsync(Stream, epoch, k + 1, mints.Count);
            }

            var applied = time.GetUtcNow();
            await store.MarkAppliedAsync(Stream, epoch, applied, options.Value.DeviceHistoryHours);
            record = record with { Status = RewardEpochStatus.Applied, AppliedAt = applied };
        }

        var s = state.State;
        await state.WriteAsync(s with
        {
            NextEpoch = epoch + 1,
            Minted = s.Minted + record.Distributed,
            Undistributed = s.Undistributed + record.Undistributed,
        });
        LogDistributed(logger, Stream, epoch, hourStart, record.Issuance, record.Distributed, record.Devices, record.Owners, record.Complete);
        return record;
    }

    private async Task<RewardEpoch> PlanAsync(long epoch, DateTimeOffset hourStart, DateTimeOffset now)
    {
        var parameters = await GrainFactory.GetGrain<IParametersGrain>(IParametersGrain.NetworkKey).GetAsync();
        var weights = parameters.RewardWeights();
        var shards = await Task.WhenAll(Enumerable.Range(0, pool.Value.Shards)
            .Select(i => GrainFactory.GetGrain<IPoolShardGrain>(i).UptimeAsync(hourStart, weights)));
        var devices = shards.SelectMany(s => s.Devices).ToList();
        var bonuses = devices.Count == 0
            ? new Dictionary<string, int>()
            : await stakes.BonusBpsAsync(hourStart, [.. devices.Select(d => d.DeviceId)], parameters.StakeBonusBps);
        var split = RewardSplit.Split(schedule.Issuance(epoch), options.Value.GpuPoolBps, devices, bonuses);
        if (split.Distributed > split.Issuance || state.State.Minted + split.Distributed > schedule.Budget)
        {
            throw new InvalidOperationException(
                $"Epoch {epoch} would mint {split.Distributed} base units after {state.State.Minted}: past the budget of {schedule.Budget}.");
        }

        var record = new RewardEpoch
        {
            Epoch = epoch,
            HourStart = hourStart,
            Issuance = split.Issuance,
            GpuPool = split.GpuPool,
            CpuPool = split.CpuPool,
            Distributed = split.Distributed,
            Devices = split.Shares.Count(x => x.Amount > 0),
            Owners = split.Shares.Where(x => x.Amount > 0).Select(x => x.Owner).Distinct(StringComparer.Ordinal).Count(),
            Status = RewardEpochStatus.Planned,
            Complete = shards.All(s => s.Complete),
            PlannedAt = now,
        };
        if (!record.Complete)
        {
            LogIncomplete(logger, Stream, epoch, shards.Count(s => !s.Complete), shards.Length);
        }

        // Another activation may have planned it meanwhile (a membership change): its plan wins.
        return await store.WritePlanAsync(Stream, record, split.Shares) ? record : (await store.ReadEpochAsync(Stream, epoch))!;
    }

    private async Task RunLoggedAsync()
    {
        try
        {
            var done = await RunDueAsync();
            if (done.Count >= options.Value.MaxEpochsPerRun)
            {
                StartCatchUp();
            }
        }
        catch (Exception e)
        {
            LogRunFailed(logger, Stream, e.Message);
        }
    }

    /// <summary>Runs again a second from now, once (catching up after downtime, one bounded batch per run).</summary>
    private void StartCatchUp()
    {
        _catchUp?.Dispose();
        _catchUp = this.RegisterGrainTimer(async _ =>
        {
            _catchUp?.Dispose();
            _catchUp = null;
            await RunLoggedAsync();
        }, new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rewards {Stream}: first epoch {Epoch} ({HourStart:u})")]
    private static partial void LogFirstEpoch(ILogger logger, string stream, long epoch, DateTimeOffset hourStart);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Rewards {Stream}: epoch {Epoch} ({HourStart:u}) issued {Issuance}, minted {Distributed} base units to {Devices} devices of {Owners} wallets (complete {Complete})")]
    private static partial void LogDistributed(ILogger logger, string stream, long epoch, DateTimeOffset hourStart, long issuance, long distributed, int devices, int owners, bool complete);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rewards {Stream}: epoch {Epoch}: {Shards} of {Total} pool shards did not watch the whole hour; their devices' uptime of it is partly lost")]
    private static partial void LogIncomplete(ILogger logger, string stream, long epoch, int shards, int total);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rewards {Stream}: run failed: {Reason}; the next run resumes from the stored plan")]
    private static partial void LogRunFailed(ILogger logger, string stream, string reason);
}
