using Fabric.Buyback;
using Fabric.Clusters;
using Fabric.Ledger;
using Fabric.Rewards;
using Fabric.Staking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Fabric.Governance;

/// <summary>
/// The live network parameters. Holds no state of its own: on activation it folds the ledger's "parameter" events over
/// the configured defaults, so it can never disagree with the ledger, and a change it applies is first an event in
/// the ledger (which from that event on plans fees with it) and only then current here.
/// </summary>
public sealed partial class ParametersGrain(
    LedgerStore store,
    IOptions<FeeOptions> fees,
    IOptions<RentalOptions> rental,
    IOptions<StakingOptions> staking,
    IOptions<BurnOptions> burn,
    IOptions<RewardOptions> rewards,
    ILogger<ParametersGrain> logger) : Grain, IParametersGrain
{
    private ParameterHistory? _history;

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _history = await ReadAsync();

    public Task<NetworkParameters> GetAsync() => Task.FromResult(_history!.Current);

    public async Task<NetworkParameters> ApplyAsync(string operationId, string name, long value, string memo)
    {
        var receipt = await GrainFactory.GetGrain<ILedgerGrain>(ILedgerGrain.NetworkKey).ApplyAsync(new ParameterCommand
        {
            OperationId = operationId,
            Name = name,
            Value = value,
            Memo = memo,
        });
        // Read back rather than patch: a duplicate (a retried execution) or a change made through another activation
        // is then reflected exactly as the ledger has it.
        _history = await ReadAsync();
        LogApplied(logger, name, value, receipt.Sequence, receipt.Duplicate);
        return _history.Current;
    }

    private async Task<ParameterHistory> ReadAsync() =>
        new(ParameterCatalog.Defaults(fees.Value, rental.Value.Weights, staking.Value, burn.Value, rewards.Value),
            ParameterHistory.Parse(await store.ReadParameterEventsAsync()));

    [LoggerMessage(Level = LogLevel.Information, Message = "Parameter {Name} = {Value} recorded as ledger event #{Sequence} (duplicate: {Duplicate})")]
    private static partial void LogApplied(ILogger logger, string name, long value, long sequence, bool duplicate);
}
