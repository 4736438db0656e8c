namespace Fabric;

/// <summary>
/// Marks a grain method that only code inside the cluster may call (other grains, the silo host). Calls from
/// clients (CLI, worker, partner apps) are refused by the silo, so a connected client cannot, say, capture escrow
/// directly. Client-facing state changes go through methods that take a signed request instead.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Interface)]
public sealed class SiloOnlyAttribute : Attribute;
