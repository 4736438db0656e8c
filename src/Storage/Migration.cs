using System.Globalization;
using System.Reflection;

namespace Fabric.Storage;

/// <summary>One numbered schema script, embedded in this assembly as Migrations/{dialect}/{NNNN}_{name}.sql.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    private const string ResourcePrefix = "Fabric.Storage.Migrations.";

    /// <summary>The scripts for a database kind, oldest first.</summary>
    public static IReadOnlyList<Migration> For(StorageKind kind)
    {
        var assembly = typeof(Migration).Assembly;
        var prefix = ResourcePrefix + (kind == StorageKind.Sqlite ? "sqlite/" : "postgres/");
        var migrations = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => Load(assembly, n, n[prefix.Length..^".sql".Length]))
            .OrderBy(m => m.Version)
            .ToList();

        var duplicate = migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two {kind} migrations share version {duplicate.Key}.");
        }

        return migrations;
    }

    private static Migration Load(Assembly assembly, string resource, string fileName)
    {
        var separator = fileName.IndexOf('_', StringComparison.Ordinal);
        if (separator <= 0 || !int.TryParse(fileName[..separator], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidOperationException($"Migration '{fileName}' must be named NNNN_name.sql.");
        }

        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd());
    }
}
