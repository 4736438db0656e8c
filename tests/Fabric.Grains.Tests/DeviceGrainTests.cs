using Fabric.Devices;

namespace Fabric.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DeviceGrainTests(ClusterFixture fixture)
{
    private static DeviceRegistration Rtx4090(string owner = "alice") => new()
    {
        Owner = owner,
        Model = "RTX 4090",
        VramMib = 24_576,
        Region = "eu",
        PricePerHourBaseUnits = 450_000,
    };

    private static string NewId() => $"dev-{Guid.NewGuid():N}";

    [Fact]
    public async Task Register_stores_the_device_and_lists_it_in_the_directory()
    {
        var id = NewId();
        var device = await fixture.Grains.GetGrain<IDeviceGrain>(id).RegisterAsync(Rtx4090());

        Assert.Equal(id, device.Id);
        Assert.Equal("RTX 4090", device.Model);
        Assert.Equal(24_576, device.VramMib);
        Assert.Equal(450_000, device.PricePerHourBaseUnits);
        Assert.Equal(DeviceStatus.Registered, device.Status);
        Assert.Equal(ClusterFixture.Clock.GetUtcNow(), device.RegisteredAt);

        var listed = await fixture.Grains.GetGrain<IDeviceDirectoryGrain>(IDeviceDirectoryGrain.NetworkKey)
            .ListAsync(new PageRequest { Take = PageRequest.MaxSize });
        Assert.Contains(device, listed.Items);
    }

    [Fact]
    public async Task A_registered_device_survives_deactivation()
    {
        var id = NewId();
        var grain = fixture.Grains.GetGrain<IDeviceGrain>(id);
        var registered = await grain.RegisterAsync(Rtx4090());

        await fixture.Cluster.DeactivateAsync(grain);

        Assert.Equal(registered, await fixture.Grains.GetGrain<IDeviceGrain>(id).GetAsync());
    }

    [Fact]
    public async Task Registering_again_with_the_same_details_returns_the_stored_device()
    {
        var grain = fixture.Grains.GetGrain<IDeviceGrain>(NewId());
        var first = await grain.RegisterAsync(Rtx4090());

        var second = await grain.RegisterAsync(Rtx4090());

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Registering_again_with_other_details_is_rejected_and_changes_nothing()
    {
        var grain = fixture.Grains.GetGrain<IDeviceGrain>(NewId());
        var first = await grain.RegisterAsync(Rtx4090());

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => grain.RegisterAsync(Rtx4090(owner: "mallory")));

        Assert.Contains("already registered", error.Message, StringComparison.Ordinal);
        Assert.Equal(first, await grain.GetAsync());
    }

    public static TheoryData<string, DeviceRegistration> AbsurdSpecs => new()
    {
        { "VRAM", Rtx4090() with { VramMib = 0 } },
        { "VRAM", Rtx4090() with { VramMib = 10 * 1024 * 1024 } },
        { "Price", Rtx4090() with { PricePerHourBaseUnits = -1 } },
        { "Region", Rtx4090() with { Region = "EU West!" } },
        { "Model", Rtx4090() with { Model = "" } },
        { "Owner", Rtx4090() with { Owner = " " } },
    };

    [Theory]
    [MemberData(nameof(AbsurdSpecs))]
    public async Task Register_rejects_absurd_specs_and_stores_nothing(string field, DeviceRegistration registration)
    {
        var grain = fixture.Grains.GetGrain<IDeviceGrain>(NewId());

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => grain.RegisterAsync(registration));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Null(await grain.GetAsync());
    }

    [Fact]
    public async Task Register_rejects_a_malformed_device_id()
    {
        var grain = fixture.Grains.GetGrain<IDeviceGrain>("../etc/passwd");

        var error = await Assert.ThrowsAsync<FabricRejectedException>(() => grain.RegisterAsync(Rtx4090()));

        Assert.Contains("is not valid", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_device_reads_as_null()
    {
        Assert.Null(await fixture.Grains.GetGrain<IDeviceGrain>(NewId()).GetAsync());
    }
}
