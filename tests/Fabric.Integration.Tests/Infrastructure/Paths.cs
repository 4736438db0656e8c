using System.Reflection;

namespace Fabric.Integration.Infrastructure;

/// <summary>Where the built silo and CLI live: the same configuration as this test assembly.</summary>
public static class Paths
{
    private static string Metadata(string key) =>
        typeof(Paths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    private static string Configuration => Metadata("BuildConfiguration");

    public static string SiloDll => Built("src/Silo", "Fabric.Silo.dll");

    public static string CliDll => Built("src/Cli", "Fabric.Cli.dll");

    public static string WorkerDll => Built("src/Worker", "Fabric.Worker.dll");

    public static string PartnerAppDll => Built("samples/PartnerApp", "Fabric.Samples.PartnerApp.dll");

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(RepositoryRoot, project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first; {path} is missing.", path);
    }

    /// <summary>A fresh, empty folder under the temp directory; deleted by the caller.</summary>
    public static string NewTempFolder(string purpose)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fabric-{purpose}-{Guid.NewGuid():N}"[..(purpose.Length + 20)]);
        Directory.CreateDirectory(path);
        return path;
    }
}
