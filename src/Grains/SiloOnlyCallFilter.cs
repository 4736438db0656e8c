using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Runtime;

namespace Fabric;

/// <summary>
/// Refuses calls from clients to methods marked <see cref="SiloOnlyAttribute"/>. A connected client can address any
/// grain, so this is what keeps escrow captures, mints and other internal movements out of its reach.
/// </summary>
public sealed class SiloOnlyCallFilter : IIncomingGrainCallFilter
{
    private readonly ConcurrentDictionary<MethodInfo, bool> _siloOnly = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (context.SourceId is { } source && GrainTypePrefix.IsClient(source) && IsSiloOnly(context.InterfaceMethod))
        {
            throw new FabricRejectedException(
                $"{context.InterfaceName}.{context.MethodName} may only be called from inside the cluster.");
        }

        return context.Invoke();
    }

    private bool IsSiloOnly(MethodInfo? method) => method is not null && _siloOnly.GetOrAdd(method, m =>
        m.IsDefined(typeof(SiloOnlyAttribute), inherit: true)
        || (m.DeclaringType?.IsDefined(typeof(SiloOnlyAttribute), inherit: true) ?? false));
}
