using Fabric.Persistence;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Fabric.Devices;

/// <summary>One GPU: its declared spec and owner, persisted on every change.</summary>
public sealed partial class DeviceGrain(
    [PersistentState("device", "fabric")] IPersistentState<DeviceState> state,
    [FromKeyedServices(FabricClock.Key)] TimeProvider time,
    ILogger<DeviceGrain> logger) : Grain, IDeviceGrain
{
    public async Task<DeviceDetails> RegisterAsync(DeviceRegistration registration)
    {
        var id = this.GetPrimaryKeyString();
        DeviceRegistrationRules.Validate(id, registration);

        if (state.State.Device is { } existing)
        {
            if (!SameSpec(existing, registration))
            {
                throw new FabricRejectedException(
                    $"Device '{id}' is already registered with other details; it cannot be registered again.");
            }

            // A retried registration: make sure the directory has it too, in case the first attempt died after the
            // device was stored but before the directory was told.
            await GrainFactory.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey).UpsertAsync(existing);
            return existing;
        }

        var device = new DeviceDetails
        {
            Id = id,
            Owner = registration.Owner,
            Model = registration.Model,
            VramMib = registration.VramMib,
            Region = registration.Region,
            PricePerHourBaseUnits = registration.PricePerHourBaseUnits,
            Status = DeviceStatus.Registered,
            RegisteredAt = time.GetUtcNow(),
        };

        await state.WriteAsync(state.State with { Device = device });
        await GrainFactory.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey).UpsertAsync(device);
        LogRegistered(logger, id, device.Model, device.VramMib, device.Region, device.Owner);
        return device;
    }

    public Task<DeviceDetails?> GetAsync() => Task.FromResult(state.State.Device);

    private static bool SameSpec(DeviceDetails device, DeviceRegistration registration) =>
        device.Owner == registration.Owner
        && device.Model == registration.Model
        && device.VramMib == registration.VramMib
        && device.Region == registration.Region
        && device.PricePerHourBaseUnits == registration.PricePerHourBaseUnits;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Device {DeviceId} registered: {Model}, {VramMib} MiB, {Region}, owner {Owner}")]
    private static partial void LogRegistered(
        ILogger logger, string deviceId, string model, int vramMib, string region, string owner);
}
