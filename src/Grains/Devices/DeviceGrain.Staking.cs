using Fabric.Staking;
using Microsoft.Extensions.Logging;

namespace Fabric.Devices;

// Faults the device's stake answers for: reported to the device's stake grain, which slashes each fault id once.
public sealed partial class DeviceGrain
{
    private async Task ReportFaultAsync(StakeFault fault)
    {
        try
        {
            // The stake grain persists the fault before it answers and reads this device only through PeekAsync
            // (which interleaves), so awaiting it cannot deadlock.
            await grains.Get<IStakeGrain>(this.GetPrimaryKeyString()).SlashAsync(fault);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFaultNotReported(logger, this.GetPrimaryKeyString(), fault.FaultId, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {DeviceId}: fault {FaultId} not reported to its stake: {Reason}")]
    private static partial void LogFaultNotReported(ILogger logger, string deviceId, string faultId, string reason);
}
