using System.Collections.Concurrent;
using Orleans.Runtime;

namespace Fabric;

/// <summary>
/// Grain references for the hot paths, with each grain interface's Orleans types resolved once per process.
/// <see cref="IGrainFactory"/>'s <c>GetGrain&lt;T&gt;(key)</c> works out the interface's type from its attributes and
/// name on every call; with a dozen references per placement that reflection was ~5% of a placement's CPU.
/// </summary>
public sealed class GrainReferences(IGrainFactory factory)
{
    private readonly ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)> _types = new();

    public T Get<T>(string key) where T : IGrainWithStringKey =>
        Create(IdSpan.Create(key), static (f, k) => f.GetGrain<T>(k), key);

    public T Get<T>(long key) where T : IGrainWithIntegerKey =>
        Create(GrainIdKeyExtensions.CreateIntegerKey(key), static (f, k) => f.GetGrain<T>(k), key);

    private T Create<T, TKey>(IdSpan key, Func<IGrainFactory, TKey, T> resolve, TKey primaryKey)
    {
        if (_types.TryGetValue(typeof(T), out var types))
        {
            return (T)factory.GetGrain(GrainId.Create(types.Grain, key), types.Interface);
        }

        // The first reference of a kind goes the usual way, and tells which types the next ones take.
        var reference = resolve(factory, primaryKey);
        var made = (GrainReference)(object)reference!;
        _types.TryAdd(typeof(T), (made.GrainId.Type, made.InterfaceType));
        return reference;
    }
}
