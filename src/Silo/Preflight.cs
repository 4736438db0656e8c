using System.Net;
using System.Net.Sockets;
using Fabric.Storage;

namespace Fabric.Silo;

/// <summary>
/// Checks made before Orleans starts, so a bad value stops the silo with one sentence instead of a stack trace from
/// deep inside the runtime.
/// </summary>
public static class Preflight
{
    /// <summary>The data folder exists (created if needed) and this process can write in it.</summary>
    public static void EnsureWritableDataDir(string dataDir)
    {
        var full = Path.GetFullPath(dataDir);
        try
        {
            Directory.CreateDirectory(full);
            var probe = Path.Combine(full, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "ok");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FabricStartupException(
                $"Cannot write to the data folder {full}: {e.Message} Choose another with --data-dir or FABRIC__DATADIR.", e);
        }
    }

    /// <summary>Each port can be bound on the address the silo will listen on.</summary>
    public static void EnsurePortsFree(IPAddress listenAddress, IEnumerable<(string Flag, int Port)> ports)
    {
        foreach (var (flag, port) in ports)
        {
            var listener = new TcpListener(listenAddress, port);
            try
            {
                listener.Start();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                var why = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "is already in use" : "is not allowed";
                throw new FabricStartupException(
                    $"Port {port} on {listenAddress} {why} (another silo?). Pick another with {flag}.", e);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                throw new FabricStartupException(
                    $"Address {listenAddress} is not an address of this machine; fix --advertise.", e);
            }
            finally
            {
                listener.Stop();
            }
        }
    }

    /// <summary>The database answers and has this Fabric's schema (applied now if missing).</summary>
    public static async Task<IReadOnlyList<Migration>> MigrateStorageAsync(FabricStorage storage, CancellationToken cancellationToken)
    {
        try
        {
            return await SchemaMigrator.ApplyAsync(storage, cancellationToken);
        }
        catch (FabricStorageException e)
        {
            throw new FabricStartupException(e.Message, e);
        }
    }
}
