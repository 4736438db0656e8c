using Fabric.Ledger;
using Fabric.Money;
using Fabric.Staking;
using Fabric.Tests.Devices;
using Fabric.Tests.Ledger;
using Fabric.Wallet;
using Fabric.Wallet.Requests;

namespace Fabric.Tests.Staking;

/// <summary>Devices with IO-funded owners, and signed staking requests, on the fixture's network and clock.</summary>
public sealed class StakingTestKit(ClusterFixture fixture)
{
    /// <summary>1 IO in base units.</summary>
    public const long Io = 100_000_000;

    public DeviceTestKit Devices { get; } = new(fixture);

    public LedgerTestKit Ledger { get; } = new(fixture);

    public IStakeGrain Stake(string deviceId) => fixture.Grains.GetGrain<IStakeGrain>(deviceId);

    public IStakingRelayGrain Relay => fixture.Grains.GetGrain<IStakingRelayGrain>(0);

    /// <summary>A verified, Online RTX 4090 (minimum stake 250 IO) whose owner holds <paramref name="io"/> base units of IO.</summary>
    public async Task<(Keypair Owner, string Id, Guid Session)> OnlineDeviceAsync(long io)
    {
        var (owner, id, _, session) = await Devices.OnlineAsync();
        if (io > 0)
        {
            await MintAsync(owner.Address, Token.IO, io);
        }

        return (owner, id, session);
    }

    public async Task MintAsync(WalletAddress to, Token token, long amount) =>
        await Ledger.Ledger.SubmitAuthorityAsync(LedgerTestKit.Sign(ClusterFixture.Authority, Operations.Mint,
            new MintPayload(to, token.ToString(), amount, "test funding").Encode()));

    public static SignedEnvelope Add(Keypair signer, string deviceId, long amount, Guid? requestId = null) =>
        LedgerTestKit.Sign(signer, StakingOperations.Add, new StakePayload(deviceId, amount).Encode(), requestId: requestId);

    public static SignedEnvelope Unstake(Keypair signer, string deviceId) =>
        LedgerTestKit.Sign(signer, StakingOperations.Unstake, new StakeRefPayload(deviceId).Encode());

    public static SignedEnvelope Withdraw(Keypair signer, string deviceId) =>
        LedgerTestKit.Sign(signer, StakingOperations.Withdraw, new StakeRefPayload(deviceId).Encode());

    public static StakeFault Fault(string faultId, FaultKind kind = FaultKind.FailedVerification, string clusterId = "") => new()
    {
        FaultId = faultId, Kind = kind, ClusterId = clusterId, At = ClusterFixture.Clock.GetUtcNow(), Detail = "test fault",
    };

    /// <summary>IO burned so far, as the ledger's verification adds it up; asserts the ledger is sound.</summary>
    public async Task<long> BurnedIoAsync()
    {
        var verification = await Ledger.Ledger.VerifyAsync();
        Assert.True(verification.Ok, string.Join(" ", verification.Problems));
        return verification.Supply.Single(s => s.Token == Token.IO).Burned;
    }
}
