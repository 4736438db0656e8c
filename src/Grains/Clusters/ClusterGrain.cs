using System.Collections.Immutable;
using Fabric.Devices;
using Fabric.Governance;
using Fabric.Jobs;
using Fabric.Ledger;
using Fabric.Money;
using Fabric.Persistence;
using Fabric.Wallet;
using Fabric.Wallet.Requests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Orleans.Runtime;
using static Fabric.Rejections;

namespace Fabric.Clusters;

/// <summary>
/// GPUs held for a renter. Deploy escrows the budget (no hold, no placement) and queues the cluster; the scheduler
/// asks it to place itself: feasible devices from the pool, scored, reserved with a lease each, then all committed or
/// all released. A lost device's rank is re-placed and its time stops being charged. A reminder (every minute while
/// the cluster lives) re-queues placement after a crash, settles used GPU-time every <see cref="RentalOptions.SettleEvery"/>
/// and ends the cluster when its hours run out; ending settles the rest and releases what is left of the escrow.
/// </summary>
public sealed partial class ClusterGrain(
    [PersistentState("cluster", "fabric")] IPersistentState<ClusterState> state,
    IOptions<RentalOptions> rental,
    IOptions<FeeOptions> fees,
    IOptions<NetworkOptions> network,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    GrainReferences grains,
    IHostApplicationLifetime lifetime,
    ILogger<ClusterGrain> logger) : Grain, IClusterGrain, IRemindable
{
    private const string ReminderName = "cluster";
    private const int CandidatesShown = 24;

    /// <summary>Most recent jobs a cluster lists.</summary>
    private const int JobsListed = 100;

    private readonly SignedRequestGate _gate = new(network.Value, time);
    private Task? _placing;
    private PlacementReport? _report;
    private readonly TaskCompletionSource _placed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ClusterDetails? Cluster => state.State.Cluster;

    private ILedgerGrain Ledger => grains.Get<ILedgerGrain>(ILedgerGrain.NetworkKey);

    private ISchedulerGrain Scheduler => grains.Get<ISchedulerGrain>(ISchedulerGrain.NetworkKey);

    private IParametersGrain Parameters => grains.Get<IParametersGrain>(IParametersGrain.NetworkKey);

    /// <summary>
    /// The fee rates the cluster's escrow was sized with: those in force at deploy (a governance change later applies
    /// to clusters booked after it), or the configured ones for a cluster deployed before governance existed.
    /// </summary>
    private FeeOptions EscrowFees => state.State.PaymentFeeBps is { } bps
        ? new FeeOptions { PaymentFeeIosdBps = bps, PaymentFeeIoBps = bps, BookingFeeBps = fees.Value.BookingFeeBps }
        : fees.Value;

    public async Task<ClusterDetails> DeployAsync(SignedEnvelope request)
    {
        var id = this.GetPrimaryKeyString();
        var renter = SignedRequestGate.SignerOf(request);
        var verified = _gate.Verify(request, renter);
        // Written out (base58) once: the hold, the cluster and the renter's list all carry it.
        var renterAddress = renter.ToString();
        Require(verified.Operation == RentalOperations.Deploy, $"Expected a {RentalOperations.Deploy} request, got {verified.Operation}.");
        var payload = SignedRequestGate.Decode(verified, p => ClusterDeployPayload.Decode(p.Span));
        Require(payload.ClusterId == id, $"The request deploys '{payload.ClusterId}', not '{id}'.");
        var spec = ClusterRules.SpecFrom(payload, rental.Value);

        if (Cluster is { } existing)
        {
            Require(existing.Renter == renterAddress && ClusterRules.Same(existing.Spec, spec),
                $"Cluster '{id}' already exists with another renter or spec.");
            return existing;
        }

        var limit = await LimitPriceAsync(spec);
        var ioPrice = spec.Pay == Token.IO ? await IoPriceAsync() : rental.Value.IoPriceUsd;
        var parameters = await Parameters.GetAsync();
        var paymentFeeBps = spec.Pay == Token.IOSD ? parameters.PaymentFeeIosdBps : parameters.PaymentFeeIoBps;
        var amount = Billing.Escrow(limit, spec.Gpus, spec.Hours, spec.Pay, ioPrice, parameters.Fees());
        var holdId = HoldId(id, 0);
        // The hold comes first: if the renter cannot pay, nothing is stored and nothing is placed.
        await Ledger.ApplyAsync(new HoldCommand
        {
            OperationId = SignedRequestGate.OperationId(verified),
            HoldId = holdId,
            Owner = renterAddress,
            Token = spec.Pay,
            Amount = amount,
            RequestedBy = renterAddress,
            Memo = $"escrow for cluster {id}: {spec.Gpus} GPU × {spec.Hours} h at ≤ {limit} IOSD base units/h",
        });

        var now = time.GetUtcNow();
        var cluster = new ClusterDetails
        {
            Id = id,
            Renter = renterAddress,
            Spec = spec,
            Status = ClusterStatus.Queued,
            Reason = "queued for placement",
            CreatedAt = now,
            Members = [],
            PastMembers = [],
            LimitPricePerHour = limit,
            Held = amount,
            Paid = 0,
            Fees = 0,
            Jobs = [],
            Pay = spec.Pay,
        };
        await state.WriteAsync(state.State with
        {
            Cluster = cluster,
            Holds = [new EscrowHold { HoldId = holdId, Amount = amount }],
            IoPriceUsd = ioPrice,
            FeesAsOf = parameters.Version,
            PaymentFeeBps = paymentFeeBps,
        });
        await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await grains.Get<IRenterGrain>(cluster.Renter).AddClusterAsync(id);
        LogDeployed(logger, id, cluster.Renter, spec.Gpus, spec.Hours, amount, spec.Pay);
        await PlaceNowOrQueueAsync(spec.Priority, parameters);
        return Cluster!;
    }

    public async Task<ClusterDetails> ChangeAsync(SignedEnvelope request)
    {
        var cluster = RequireCluster();
        var verified = _gate.Verify(request, WalletAddress.Parse(cluster.Renter));
        var change = SignedRequestGate.Decode(verified, p => ClusterChangePayload.Decode(p.Span));
        Require(change.ClusterId == cluster.Id, $"The request names cluster '{change.ClusterId}', not '{cluster.Id}'.");
        Require(!state.State.SeenRequests.ContainsKey(verified.RequestId),
            $"Request {verified.RequestId} was already applied to cluster '{cluster.Id}'; a replay changes nothing.");
        switch (verified.Operation)
        {
            case RentalOperations.Release:
                await EndAsync(ClusterStatus.Released, "released by the renter", verified);
                break;
            case RentalOperations.Extend:
                await ExtendAsync(cluster, change.Value, verified);
                break;
            case RentalOperations.Rate:
                await RateAsync(cluster, change.Value, verified);
                break;
            default:
                throw new FabricRejectedException($"'{verified.Operation}' is not a cluster change.");
        }

        return Cluster!;
    }

    public Task<ClusterDetails?> GetAsync() => Task.FromResult(Cluster);

    public async Task<ClusterDetails?> WaitPlacedAsync(TimeSpan wait)
    {
        if (Cluster is not { Status: ClusterStatus.Queued } || wait <= TimeSpan.Zero)
        {
            return Cluster;
        }

        // Real time, not Fabric's clock: this bounds a call, it is not business time.
        var limit = wait < TimeSpan.FromSeconds(20) ? wait : TimeSpan.FromSeconds(20);
        await LongPoll.WaitAsync(_placed.Task, limit, lifetime.ApplicationStopping);
        return Cluster;
    }

    public Task<PlacementReport?> ExplainAsync() => Task.FromResult(_report ?? state.State.Report);

    public Task<bool> TryPlaceAsync() => TryPlaceAsync(parameters: null);

    /// <param name="parameters">Network parameters read in this same call, if any; else they are read afresh.</param>
    private Task<bool> TryPlaceAsync(NetworkParameters? parameters)
    {
        // One placement at a time per cluster: a second caller waits for the first's outcome.
        return Placing();

        async Task<bool> Placing()
        {
            while (_placing is { } running)
            {
                await running;
            }

            var attempt = PlaceAsync(parameters);
            _placing = attempt;
            try
            {
                return await attempt;
            }
            finally
            {
                _placing = null;
            }
        }
    }

    public async Task MemberLostAsync(string deviceId, DateTimeOffset at, string reason)
    {
        if (Cluster is not { } cluster || IsEnded(cluster.Status) || cluster.Members.FirstOrDefault(m => m.DeviceId == deviceId) is not { } member)
        {
            return;
        }

        // Charged until the device was last heard from: the lost time is not the renter's.
        var lost = member with { Until = at < member.Since ? member.Since : at, EndReason = reason };
        await state.WriteAsync(state.State with
        {
            Cluster = cluster with
            {
                Members = [.. cluster.Members.Where(m => m.DeviceId != deviceId)],
                PastMembers = [.. cluster.PastMembers, lost],
                Reason = $"rank {member.Rank} lost ({reason}); re-placing it",
            },
            Excluded = state.State.Excluded.Contains(deviceId) ? state.State.Excluded : state.State.Excluded.Add(deviceId),
        });
        LogMemberLost(logger, cluster.Id, member.Rank, deviceId, reason);
        await grains.Get<IDeviceGrain>(deviceId).ReleaseAsync(cluster.Id, "device lost");
        foreach (var job in ActiveJobs())
        {
            TellJob(job, j => j.RankLostAsync(member.Rank, reason));
        }

        await EnqueueAsync(Priority.Urgent);
    }

    public async Task<ClusterDetails> AddJobAsync(string jobId, string renter)
    {
        var cluster = RequireCluster();
        Require(cluster.Renter == renter, $"Only the renter of cluster '{cluster.Id}' may run jobs on it.");
        Require(!IsEnded(cluster.Status), $"Cluster '{cluster.Id}' has ended ({cluster.Status}): {cluster.Reason}.");
        if (!state.State.Active.Contains(jobId) && !cluster.Jobs.Contains(jobId))
        {
            // A long-lived cluster may run thousands of jobs: it lists the most recent and tracks only those running,
            // so its state (written on every job) stays small.
            var recent = cluster.Jobs.Count < JobsListed ? [.. cluster.Jobs, jobId] : cluster.Jobs.Skip(cluster.Jobs.Count - JobsListed + 1).Append(jobId).ToList();
            await state.WriteAsync(state.State with { Cluster = cluster with { Jobs = recent }, Active = state.State.Active.Add(jobId) });
        }

        return Cluster!;
    }

    public async Task JobEndedAsync(string jobId)
    {
        if (Cluster is not { } cluster || !state.State.Active.Contains(jobId))
        {
            return;
        }

        // Not written on its own: a job that ended and is still listed after a crash only hears news it ignores, and
        // the next write (the next job added, a settlement) drops it. A busy cluster saves a write per job.
        state.State = state.State with { Active = state.State.Active.Remove(jobId) };
        if (cluster.Spec.ForJob == jobId)
        {
            await EndAsync(ClusterStatus.Released, $"its job {jobId} ended", request: null);
        }
    }

    public async Task TickAsync()
    {
        if (Cluster is not { } cluster)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (IsEnded(cluster.Status))
        {
            await CloseAsync();
            return;
        }

        if (cluster.EndsAt is { } ends && now >= ends)
        {
            await EndAsync(ClusterStatus.Expired, $"its {cluster.Spec.Hours} paid hours ran out", request: null);
            return;
        }

        if (state.State.Pending is not null || (cluster.PlacedAt is { } placed && now - (state.State.LastSettledAt ?? placed) >= rental.Value.SettleEvery))
        {
            await SettleAsync(now);
        }

        if (Missing(Cluster!).Count > 0)
        {
            await EnqueueAsync(cluster.Members.Count == 0 ? cluster.Spec.Priority : Priority.Urgent);
        }
        else if (Cluster is { Status: ClusterStatus.Running } running)
        {
            // A job that missed the news of the placement (a failed call, a silo lost meanwhile) hears it again;
            // jobs that are already running ignore it.
            foreach (var job in ActiveJobs())
            {
                TellJob(job, j => j.ClusterReadyAsync(running, "cluster running"));
            }
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => TickAsync();

    private async Task<bool> PlaceAsync(NetworkParameters? parameters)
    {
        if (Cluster is not { } cluster || IsEnded(cluster.Status))
        {
            return true; // nothing left to place: the scheduler forgets it
        }

        var missing = Missing(cluster);
        if (missing.Count == 0)
        {
            return true;
        }

        var options = rental.Value;
        // Weights are live parameters: a governance change applies from the next placement (a deploy that places at once
        // scores with those it read a moment before, for its escrow).
        var scorer = new PlacementScorer((parameters ?? await Parameters.GetAsync()).Weights());
        var attempts = 0;
        PlacementReport? report = null;
        async ValueTask<List<Reserved>?> TryOnceAsync()
        {
            attempts++;
            var (chosen, attemptReport) = await TryReserveAsync(cluster, missing, scorer, attempts);
            report = attemptReport;
            return chosen;
        }

        // Only lease conflicts are worth another try; a pool without capacity is not. Most placements succeed at once,
        // so the retry pipeline is built only for those that lost a lease race.
        bool Conflicted(List<Reserved>? result) => result is null && report is { Feasible: > 0 } r && r.Feasible >= missing.Count;
        var placed = await TryOnceAsync();
        if (Conflicted(placed) && options.PlacementAttempts > 1)
        {
            var pipeline = new ResiliencePipelineBuilder<List<Reserved>?>()
                .AddRetry(new RetryStrategyOptions<List<Reserved>?>
                {
                    MaxRetryAttempts = options.PlacementAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.PlacementBackoff,
                    ShouldHandle = args => ValueTask.FromResult(Conflicted(args.Outcome.Result)),
                })
                .Build();
            // The pipeline's first execution is the try already made, so its backoff applies from the first retry.
            var made = placed;
            var tried = false;
            // Polly resumes after a backoff on the thread pool unless told otherwise; the tries must run on this grain's
            // own scheduler (one turn at a time, with its activation's services), so they continue on the captured one.
            var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true);
            try
            {
                placed = await pipeline.ExecuteAsync(async _ =>
                {
                    if (!tried)
                    {
                        tried = true;
                        return made;
                    }

                    return await TryOnceAsync();
                }, context);
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
        }

        if (placed is null)
        {
            // A waiting cluster is tried every second: keep the latest report in memory, and write only when the
            // reason a renter reads changes.
            _report = report;
            // A cluster that lost its only rank is re-placing it, not waiting for a first placement.
            var reason = cluster.PlacedAt is null ? $"waiting: {report!.Summary}" : $"re-placing: {report!.Summary}";
            if (reason != Cluster!.Reason)
            {
                await state.WriteAsync(state.State with { Report = report, Cluster = Cluster! with { Reason = reason } });
            }

            return false;
        }

        var now = time.GetUtcNow();
        var members = placed.Select(r => new ClusterMember
        {
            Rank = r.Rank,
            DeviceId = r.DeviceId,
            Owner = r.Lease.Owner,
            Model = r.Lease.Model,
            Region = r.Lease.Region,
            PricePerHour = r.Lease.PricePerHour,
            Since = now,
            WorkerAddress = r.Lease.WorkerAddress,
        });
        var first = cluster.PlacedAt is null;
        var next = Cluster! with
        {
            Status = ClusterStatus.Running,
            Reason = first ? "running" : $"running again: rank(s) {string.Join(", ", placed.Select(p => p.Rank))} re-placed",
            Members = [.. cluster.Members.Concat(members).OrderBy(m => m.Rank)],
            PlacedAt = cluster.PlacedAt ?? now,
            EndsAt = cluster.EndsAt ?? now + TimeSpan.FromHours(cluster.Spec.Hours),
        };
        await state.WriteAsync(state.State with { Cluster = next, Report = report, LastSettledAt = state.State.LastSettledAt ?? now });
        LogPlaced(logger, cluster.Id, placed.Count, attempts);
        _report = null;
        _placed.TrySetResult();
        foreach (var job in ActiveJobs())
        {
            TellJob(job, j => j.ClusterReadyAsync(next, first ? "cluster placed" : "lost rank re-placed"));
        }

        return true;
    }

    /// <summary>
    /// One try: query feasible devices, score them, reserve the best (moving down the list past refusals), and commit
    /// all of them, or release every lease taken and report why.
    /// </summary>
    private async Task<(List<Reserved>?, PlacementReport)> TryReserveAsync(ClusterDetails cluster, List<int> missing, PlacementScorer scorer, int attempt)
    {
        var spec = cluster.Spec;
        // A device holds one rank of a cluster. One the cluster lost earlier is back Online (it went Offline to be
        // lost), but it failed this cluster once: it is offered only after every other match, so a renter whose
        // only matching device restarted gets it back instead of waiting for a new one.
        var members = cluster.Members.Select(m => m.DeviceId).ToHashSet(StringComparer.Ordinal);
        var lostEarlier = state.State.Excluded.Where(d => !members.Contains(d)).ToHashSet(StringComparer.Ordinal);
        var query = new PoolQuery
        {
            Models = spec.Models,
            MinVramMib = spec.MinVramMib,
            Region = spec.Region,
            MaxPricePerHourBaseUnits = cluster.LimitPricePerHour,
            VerifiedOnly = true,
            FreeOnly = true,
            Statuses = [DeviceStatus.Online],
            Sort = PoolSort.Price,
            Take = Math.Min(PageRequest.MaxSize, missing.Count * 3 + 8 + members.Count + lostEarlier.Count),
            SampleShards = attempt == 1 ? rental.Value.SampleShards : 0,
            // Equally good devices in a fresh order for each try: concurrent placements then rarely want the same ones.
            TieSeed = Random.Shared.NextInt64(1, long.MaxValue),
        };
        var pool = grains.Get<IPoolGrain>(0);
        var page = await pool.QueryAsync(query);
        var feasible = page.Items.Where(d => !members.Contains(d.Id)).ToList();
        if (feasible.Count < missing.Count && query.SampleShards > 0)
        {
            // The sampled shards were short: ask them all before calling the pool short.
            page = await pool.QueryAsync(query with { SampleShards = 0 });
            feasible = [.. page.Items.Where(d => !members.Contains(d.Id))];
        }

        var ranked = scorer.Rank(feasible, spec, cluster.LimitPricePerHour, lastResort: lostEarlier).ToList();
        var outcomes = ranked.ToDictionary(c => c.DeviceId, _ => "not needed", StringComparer.Ordinal);
        var now = time.GetUtcNow();
        if (feasible.Count < missing.Count)
        {
            return (null, Report(now, $"{feasible.Count} of {missing.Count} GPU(s) free that match {Describe(spec, cluster.LimitPricePerHour)}",
                page.Total, ranked, outcomes, attempt));
        }

        var reserved = new List<Reserved>();
        var next = 0;
        var ttl = rental.Value.LeaseTtl;
        // One rank alone is all or nothing by itself: the device reserves and commits it in one call.
        var claim = missing.Count == 1;
        while (reserved.Count < missing.Count && next < ranked.Count)
        {
            var wanted = missing.Count - reserved.Count;
            var batch = ranked.Skip(next).Take(wanted).ToList();
            next += batch.Count;
            var ranks = missing.Except(reserved.Select(r => r.Rank)).Take(batch.Count).ToList();
            var replies = await Task.WhenAll(batch.Select((c, i) => claim
                ? grains.Get<IDeviceGrain>(c.DeviceId).ClaimAsync(cluster.Id, ranks[i])
                : grains.Get<IDeviceGrain>(c.DeviceId).ReserveAsync(cluster.Id, ranks[i], ttl)));
            for (var i = 0; i < batch.Count; i++)
            {
                if (replies[i].Granted)
                {
                    reserved.Add(new Reserved(ranks[i], batch[i].DeviceId, replies[i]));
                    outcomes[batch[i].DeviceId] = lostEarlier.Contains(batch[i].DeviceId)
                        ? $"chosen for rank {ranks[i]} (lost by this cluster earlier and back since; no other match was free)"
                        : $"chosen for rank {ranks[i]}";
                }
                else
                {
                    outcomes[batch[i].DeviceId] = $"reserve refused: {replies[i].Refusal}";
                }
            }
        }

        if (claim && reserved.Count == 1)
        {
            return (reserved, Report(now, $"placed {reserved.Count} GPU(s) on attempt {attempt}", page.Total, ranked, outcomes, attempt));
        }

        if (reserved.Count == missing.Count)
        {
            var commits = await Task.WhenAll(reserved.Select(r => grains.Get<IDeviceGrain>(r.DeviceId).CommitAsync(r.Lease.LeaseId)));
            if (commits.All(c => c))
            {
                return (reserved, Report(now, $"placed {reserved.Count} GPU(s) on attempt {attempt}", page.Total, ranked, outcomes, attempt));
            }

            for (var i = 0; i < reserved.Count; i++)
            {
                if (!commits[i])
                {
                    outcomes[reserved[i].DeviceId] = "lease expired before commit";
                }
            }
        }

        // All or nothing: give back every lease (and any rental a partial commit made).
        await Task.WhenAll(reserved.Select(r => grains.Get<IDeviceGrain>(r.DeviceId).ReleaseAsync(cluster.Id, "placement rolled back")));
        return (null, Report(now, $"only {reserved.Count} of {missing.Count} GPU(s) could be reserved (others were taken meanwhile)", page.Total, ranked, outcomes, attempt));
    }

    private static PlacementReport Report(DateTimeOffset at, string summary, int feasible, List<CandidateScore> ranked, Dictionary<string, string> outcomes, int attempt) => new()
    {
        At = at,
        Summary = summary,
        Feasible = feasible,
        Candidates = [.. ranked.Take(CandidatesShown).Select(c => c with { Outcome = outcomes[c.DeviceId] })],
        Attempts = attempt,
    };

    private async Task ExtendAsync(ClusterDetails cluster, long hours, SignedRequest request)
    {
        Require(!IsEnded(cluster.Status), $"Cluster '{cluster.Id}' has ended ({cluster.Status}).");
        Require(hours >= 1 && cluster.Spec.Hours + hours <= rental.Value.MaxHours,
            $"Extend by 1 hour or more, up to {rental.Value.MaxHours} hours in all (now {cluster.Spec.Hours}).");
        var amount = Billing.Escrow(cluster.LimitPricePerHour, cluster.Spec.Gpus, (int)hours, cluster.Pay, state.State.IoPriceUsd, EscrowFees);
        var holdId = HoldId(cluster.Id, state.State.Holds.Count);
        await Ledger.ApplyAsync(new HoldCommand
        {
            OperationId = SignedRequestGate.OperationId(request),
            HoldId = holdId,
            Owner = cluster.Renter,
            Token = cluster.Pay,
            Amount = amount,
            RequestedBy = cluster.Renter,
            Memo = $"escrow for {hours} more hour(s) of cluster {cluster.Id}",
        });
        await state.WriteAsync(state.State with
        {
            Cluster = cluster with
            {
                Spec = cluster.Spec with { Hours = cluster.Spec.Hours + (int)hours },
                EndsAt = cluster.EndsAt + TimeSpan.FromHours(hours),
                Held = cluster.Held + amount,
                Reason = $"extended by {hours} hour(s)",
            },
            Holds = state.State.Holds.Add(new EscrowHold { HoldId = holdId, Amount = amount }),
            SeenRequests = Remember(request),
        });
    }

    private async Task RateAsync(ClusterDetails cluster, long stars, SignedRequest request)
    {
        Require(stars is >= 1 and <= 5, $"Stars must be 1 to 5 (got {stars}).");
        Require(cluster.Stars is null, $"Cluster '{cluster.Id}' was rated already ({cluster.Stars} stars).");
        Require(cluster.PlacedAt is not null, $"Cluster '{cluster.Id}' never ran: there is nothing to rate.");
        await state.WriteAsync(state.State with { Cluster = cluster with { Stars = (int)stars }, SeenRequests = Remember(request) });
        foreach (var member in cluster.Members.Concat(cluster.PastMembers).DistinctBy(m => m.DeviceId))
        {
            await grains.Get<IDeviceGrain>(member.DeviceId).RateAsync(cluster.Id, (int)stars);
        }
    }

    /// <summary>Ends the cluster: its members stop now, then <see cref="CloseAsync"/> settles and frees everything.</summary>
    private async Task EndAsync(ClusterStatus status, string reason, SignedRequest? request)
    {
        var cluster = RequireCluster();
        if (IsEnded(cluster.Status))
        {
            return;
        }

        // Never past the paid hours: a release or a job's end that comes after them, before the minute reminder
        // expired the cluster, must not charge more than the escrow holds.
        var now = time.GetUtcNow();
        var end = cluster.EndsAt is { } ends && ends < now ? ends : now;
        await state.WriteAsync(state.State with
        {
            Cluster = cluster with
            {
                Status = status,
                Reason = reason,
                EndedAt = end,
                Members = [.. cluster.Members.Select(m => m with { Until = m.Until ?? end, EndReason = m.EndReason ?? reason })],
            },
            SeenRequests = request is null ? state.State.SeenRequests : Remember(request),
        });
        LogEnded(logger, cluster.Id, status, reason);
        _placed.TrySetResult();
        await CloseAsync();
    }

    /// <summary>Settles what an ended cluster owes, releases its escrow and devices, and tells its jobs (idempotent).</summary>
    private async Task CloseAsync()
    {
        var cluster = RequireCluster();
        if (state.State.Closed)
        {
            return;
        }

        await SettleAsync(cluster.EndedAt ?? time.GetUtcNow());
        foreach (var hold in state.State.Holds.Where(h => !h.Closed))
        {
            await Ledger.ApplyAsync(new ReleaseCommand { OperationId = $"{hold.HoldId}/release", HoldId = hold.HoldId, Memo = $"cluster {cluster.Id} ended" });
            await state.WriteAsync(state.State with { Holds = state.State.Holds.Replace(hold, hold with { Closed = true }) });
        }

        foreach (var member in cluster.Members)
        {
            await grains.Get<IDeviceGrain>(member.DeviceId).ReleaseAsync(cluster.Id, cluster.Reason);
        }

        foreach (var job in ActiveJobs())
        {
            TellJob(job, j => j.ClusterEndedAsync($"cluster {cluster.Id} ended: {cluster.Reason}"));
        }

        await Scheduler.DequeueAsync(cluster.Id);
        await state.WriteAsync(state.State with { Closed = true });
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>
    /// Pays suppliers for GPU-time up to <paramref name="upTo"/>: what each membership owes in all (rounded down once),
    /// minus what it was charged, captured from the holds. Written ahead, so a crash mid-way repeats the same captures.
    /// </summary>
    private async Task SettleAsync(DateTimeOffset upTo)
    {
        if (state.State.Pending is null)
        {
            var cluster = RequireCluster();
            var members = cluster.Members.Select(m => Charge(m, upTo)).ToList();
            var past = cluster.PastMembers.Select(m => Charge(m, upTo)).ToList();
            var ioPrice = state.State.IoPriceUsd;
            var payouts = cluster.Members.Zip(members).Concat(cluster.PastMembers.Zip(past))
                .Select(pair => new Payout
                {
                    To = pair.First.Owner,
                    Amount = Billing.Convert(pair.Second.Charged, cluster.Pay, ioPrice) - Billing.Convert(pair.First.Charged, cluster.Pay, ioPrice),
                })
                .Where(p => p.Amount > 0)
                .GroupBy(p => p.To, StringComparer.Ordinal)
                .Select(g => new Payout { To = g.Key, Amount = g.Sum(p => p.Amount) })
                .OrderBy(p => p.To, StringComparer.Ordinal)
                .ToList();
            if (payouts.Count == 0)
            {
                await state.WriteAsync(state.State with { LastSettledAt = upTo });
                return;
            }

            var captures = Billing.Plan(state.State.Holds, payouts, cluster.Pay, EscrowFees, $"cluster/{cluster.Id}/settle/{state.State.Settlements}")
                .Select(c => c with { PaymentFeeAsOf = state.State.FeesAsOf })
                .ToList();
            var usage = Usage(cluster.Members.Zip(members).Concat(cluster.PastMembers.Zip(past)), state.State.LastSettledAt, upTo, cluster.Pay, ioPrice);
            await state.WriteAsync(state.State with
            {
                Pending = new PendingSettlement
                {
                    Captures = captures, Members = members, PastMembers = past, UpTo = upTo, UsageNote = CaptureUsage.Append("", usage),
                },
            });
        }

        var pending = state.State.Pending!;
        for (var i = 0; i < pending.Captures.Count; i++)
        {
            var capture = pending.Captures[i];
            await Ledger.ApplyAsync(new CaptureCommand
            {
                OperationId = capture.OperationId,
                HoldId = capture.HoldId,
                Payouts = capture.Payouts,
                Memo = $"GPU-time of cluster {this.GetPrimaryKeyString()} up to {pending.UpTo:u}{(i == 0 ? pending.UsageNote : "")}",
                PaymentFeeAsOf = capture.PaymentFeeAsOf,
            });
        }

        var holds = state.State.Holds;
        foreach (var capture in pending.Captures)
        {
            var hold = holds.First(h => h.HoldId == capture.HoldId);
            holds = holds.Replace(hold, hold with { Used = hold.Used + capture.Debit });
        }

        var current = RequireCluster();
        await state.WriteAsync(state.State with
        {
            Cluster = current with
            {
                Members = pending.Members,
                PastMembers = pending.PastMembers,
                Paid = current.Paid + pending.Captures.Sum(c => c.Debit - c.Fee),
                Fees = current.Fees + pending.Captures.Sum(c => c.Fee),
            },
            Holds = holds,
            Pending = null,
            Settlements = state.State.Settlements + 1,
            LastSettledAt = pending.UpTo,
        });
        var paid = pending.Captures.Sum(c => c.Debit - c.Fee);
        LogSettled(logger, current.Id, paid, current.Pay);
    }

    private static ClusterMember Charge(ClusterMember member, DateTimeOffset upTo) =>
        member with { Charged = Math.Max(member.Charged, Billing.Due(member.PricePerHour, Seconds(member, upTo))) };

    private static long Seconds(ClusterMember member, DateTimeOffset upTo)
    {
        var end = member.Until is { } until && until < upTo ? until : upTo;
        return Math.Max(0, (long)Math.Floor((end - member.Since).TotalSeconds));
    }

    /// <summary>
    /// GPU-time a settlement pays for, per model: seconds newly charged, their list-price cost (IOSD) and what the
    /// renter pays for them in the cluster's token, which adds up to the settlement's payouts exactly.
    /// </summary>
    private static IEnumerable<(string Model, long GpuSeconds, long ChargedIosd, long Paid)> Usage(
        IEnumerable<(ClusterMember Before, ClusterMember After)> members, DateTimeOffset? settledBefore, DateTimeOffset upTo, Token pay, decimal ioPrice) =>
        members
            .Select(m => (
                m.Before.Model,
                Seconds: Seconds(m.After, upTo) - (settledBefore is { } before ? Seconds(m.Before, before) : 0),
                Iosd: m.After.Charged - m.Before.Charged,
                Paid: Billing.Convert(m.After.Charged, pay, ioPrice) - Billing.Convert(m.Before.Charged, pay, ioPrice)))
            .Where(u => u.Paid > 0)
            .GroupBy(u => u.Model, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (g.Key, Math.Max(0, g.Sum(u => u.Seconds)), g.Sum(u => u.Iosd), g.Sum(u => u.Paid)));

    /// <summary>
    /// The price the escrow is sized at: the renter's maximum, or (without one) the price of the GPUs the pool offers
    /// now, so a request that names no price still holds enough for what it will get.
    /// </summary>
    private async Task<long> LimitPriceAsync(ClusterSpec spec)
    {
        var pool = grains.Get<IPoolGrain>(0);
        var anyStatus = new PoolQuery { Models = spec.Models, MinVramMib = spec.MinVramMib, Region = spec.Region, Take = 1 };
        int registered;
        if (spec.Region is null && spec.MinVramMib == 0)
        {
            // Models only: the pool's counts by model (a second old at most) answer without scanning every shard.
            var counts = await pool.RecentCountsAsync(TimeSpan.FromSeconds(1));
            registered = Matching(counts);
            if (registered < spec.Gpus)
            {
                // Before refusing, make sure: devices registered within the last second are not in a cached answer.
                registered = Matching(await pool.CountsAsync());
            }
        }
        else
        {
            registered = (await pool.QueryAsync(anyStatus with
            {
                Statuses = [DeviceStatus.Online, DeviceStatus.Busy, DeviceStatus.Unhealthy, DeviceStatus.Offline, DeviceStatus.Paused, DeviceStatus.Verifying, DeviceStatus.Registered],
            })).Total;
        }

        int Matching(PoolCounts counts) => spec.Models.Count == 0
            ? counts.Total
            : counts.ByModel.Where(m => spec.Models.Contains(m.Key, StringComparer.OrdinalIgnoreCase)).Sum(m => m.Value);

        Require(registered > 0, $"No GPU on the network matches {Describe(spec, spec.MaxPricePerHour)}.");
        Require(registered >= spec.Gpus,
            $"The network has only {registered} GPU(s) matching {Describe(spec, spec.MaxPricePerHour)}; {spec.Gpus} asked.");
        if (spec.MaxPricePerHour is { } max)
        {
            return max;
        }

        var free = await pool.QueryAsync(anyStatus with
        {
            VerifiedOnly = true,
            FreeOnly = true,
            Statuses = [DeviceStatus.Online],
            Sort = PoolSort.Price,
            Skip = spec.Gpus - 1,
        });
        Require(free.Items.Count == 1,
            $"Only {free.Total} of {spec.Gpus} matching GPU(s) are free now; give --max-price to wait for capacity at a price you accept.");
        return free.Items[0].PricePerHourBaseUnits;
    }

    /// <summary>
    /// USD per IO for an IO payer's escrow: the oracle's price when it was observed within
    /// <see cref="RentalOptions.IoPriceMaxAge"/>, else the configured one. The cluster keeps it for its settlements and
    /// extensions, as it keeps its fees.
    /// </summary>
    private async Task<decimal> IoPriceAsync()
    {
        var point = await grains.Get<Buyback.IPriceFeedGrain>(Buyback.IPriceFeedGrain.NetworkKey).GetCurrentAsync();
        return point is { } price && time.GetUtcNow() - price.ObservedAt <= rental.Value.IoPriceMaxAge
            ? price.MicroUsdPerIo / 1_000_000m
            : rental.Value.IoPriceUsd;
    }

    private Task EnqueueAsync(Priority priority) => Scheduler.EnqueueAsync(QueueEntryFor(priority));

    /// <summary>
    /// Queues the cluster; when nothing waits ahead of it, the scheduler lets it place itself in this call, so the renter
    /// hears back a running cluster and the scheduler's call back is saved. A failed try leaves the cluster waiting, as
    /// any request the scheduler tried: the deploy itself (escrow held, cluster stored) has succeeded.
    /// </summary>
    private async Task PlaceNowOrQueueAsync(Priority priority, NetworkParameters parameters)
    {
        if (!await Scheduler.AdmitAsync(QueueEntryFor(priority)))
        {
            return;
        }

        var placed = false;
        try
        {
            placed = await TryPlaceAsync(parameters);
        }
        catch (Exception e)
        {
            LogPlacementFailed(logger, this.GetPrimaryKeyString(), e.Message);
        }
        finally
        {
            await ReportAdmittedAsync(placed);
        }
    }

    private async Task ReportAdmittedAsync(bool placed)
    {
        try
        {
            await Scheduler.AdmittedDoneAsync(this.GetPrimaryKeyString(), placed);
        }
        catch (Exception e)
        {
            // The deploy has succeeded whatever the scheduler hears; an admission never reported is taken back.
            LogAdmissionNotReported(logger, this.GetPrimaryKeyString(), e.Message);
        }
    }

    private QueueEntry QueueEntryFor(Priority priority)
    {
        var cluster = RequireCluster();
        return new QueueEntry
        {
            ClusterId = cluster.Id,
            Renter = cluster.Renter,
            Priority = priority,
            QueuedAt = cluster.CreatedAt,
            Cheap = cluster.Spec.Cheap,
            Gpus = Math.Max(1, Missing(cluster).Count),
        };
    }

    private List<string> ActiveJobs() => [.. state.State.Active];

    /// <summary>
    /// Tells a job without waiting for it: a job answers by calling this cluster (a job that ends tells its cluster),
    /// and two grains waiting on each other would stall both until the call times out. Job grains ignore news that no
    /// longer applies, and the reminder tells them again, so nothing is lost when a call fails.
    /// </summary>
    private void TellJob(string jobId, Func<IJobGrain, Task> tell) => _ = TellJobAsync(jobId, tell);

    private async Task TellJobAsync(string jobId, Func<IJobGrain, Task> tell)
    {
        try
        {
            await tell(grains.Get<IJobGrain>(jobId));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogJobNotTold(logger, this.GetPrimaryKeyString(), jobId, e.Message);
        }
    }

    private static List<int> Missing(ClusterDetails cluster) =>
        [.. Enumerable.Range(0, cluster.Spec.Gpus).Except(cluster.Members.Select(m => m.Rank))];

    private static bool IsEnded(ClusterStatus status) => status is ClusterStatus.Released or ClusterStatus.Expired or ClusterStatus.Failed;

    private static string HoldId(string clusterId, int n) => EscrowHoldId(clusterId, n);

    /// <summary>The ledger hold id of a cluster's n-th escrow; the first one's owner is the renter.</summary>
    internal static string EscrowHoldId(string clusterId, int n) => $"cluster/{clusterId}/{n}";

    private static string Describe(ClusterSpec spec, long? price)
    {
        var models = spec.Models.Count == 0 ? "any model" : string.Join(" or ", spec.Models);
        var region = spec.Region is null ? "any region" : $"region {spec.Region}";
        var vram = spec.MinVramMib > 0 ? $", ≥ {spec.MinVramMib / 1024} GiB" : "";
        var cost = price is { } p ? $", ≤ {Token.IOSD.FromBaseUnits(p)} IOSD/h" : "";
        return $"{models}{vram}, {region}{cost}";
    }

    private ImmutableDictionary<Guid, long> Remember(SignedRequest request)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var seen = state.State.SeenRequests;
        return seen.RemoveRange(seen.Where(r => r.Value <= now).Select(r => r.Key)).SetItem(request.RequestId, request.ExpiresAtUnixMs);
    }

    private ClusterDetails RequireCluster() =>
        Cluster ?? throw new FabricRejectedException($"No cluster has id '{this.GetPrimaryKeyString()}'.");

    private sealed record Reserved(int Rank, string DeviceId, LeaseReply Lease);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} deployed by {Renter}: {Gpus} GPU(s) for {Hours} h, {Amount} {Token} base units in escrow")]
    private static partial void LogDeployed(ILogger logger, string clusterId, string renter, int gpus, int hours, long amount, Token token);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} placed {Gpus} GPU(s) after {Attempts} attempt(s)")]
    private static partial void LogPlaced(ILogger logger, string clusterId, int gpus, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {ClusterId} lost rank {Rank} on device {DeviceId}: {Reason}")]
    private static partial void LogMemberLost(ILogger logger, string clusterId, int rank, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} ended ({Status}): {Reason}")]
    private static partial void LogEnded(ILogger logger, string clusterId, ClusterStatus status, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {ClusterId} settled: {Amount} {Token} base units to suppliers")]
    private static partial void LogSettled(ILogger logger, string clusterId, long amount, Token token);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Placement of cluster {ClusterId} failed: {Reason}; it waits for the next try")]
    private static partial void LogPlacementFailed(ILogger logger, string clusterId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {ClusterId} could not tell the scheduler its placement ended: {Reason}; the scheduler takes the slot back itself")]
    private static partial void LogAdmissionNotReported(ILogger logger, string clusterId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster {ClusterId} could not tell job {JobId}: {Reason}")]
    private static partial void LogJobNotTold(ILogger logger, string clusterId, string jobId, string reason);
}
