using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fabric.Storage;

/// <summary>
/// One database Fabric keeps its cluster in: what Orleans' ADO.NET providers need (invariant, connection string) and
/// how to name it to a person without leaking a password.
/// </summary>
public sealed record FabricStorage
{
    /// <summary>File name of the SQLite database inside the data folder.</summary>
    public const string SqliteFileName = "fabric.db";

    private FabricStorage(StorageKind kind, string connectionString, string? databaseFile, string description)
    {
        Kind = kind;
        ConnectionString = connectionString;
        DatabaseFile = databaseFile;
        Description = description;
    }

    public StorageKind Kind { get; }

    /// <summary>ADO.NET connection string, secrets included: never print it.</summary>
    public string ConnectionString { get; }

    /// <summary>Absolute path of the SQLite file; null for PostgreSQL.</summary>
    public string? DatabaseFile { get; }

    /// <summary>Where the data lives, in words, without secrets.</summary>
    public string Description { get; }

    /// <summary>
    /// The provider name Orleans expects. SQLite's is "System.Data.SQLite" even though Orleans loads
    /// Microsoft.Data.Sqlite for it; "Microsoft.Data.Sqlite" is refused (dotnet/orleans#8187).
    /// </summary>
    public string Invariant => Kind == StorageKind.Sqlite ? "System.Data.SQLite" : "Npgsql";

    /// <summary>
    /// Parses a storage kind as operators write it ("sqlite", "postgres", "postgresql"), with an error that lists
    /// what is accepted.
    /// </summary>
    public static StorageKind ParseKind(string? kind) => kind?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => StorageKind.Sqlite,
        "postgres" or "postgresql" or "npgsql" => StorageKind.Postgres,
        _ => throw new FabricStorageException($"Unknown storage kind '{kind}': use 'sqlite' or 'postgres'."),
    };

    /// <summary>Storage as configured: SQLite under <paramref name="dataDir"/>, or PostgreSQL at a connection string.</summary>
    public static FabricStorage From(string? kind, string dataDir, string? connectionString) => ParseKind(kind) switch
    {
        StorageKind.Sqlite => Sqlite(dataDir),
        _ => Postgres(connectionString),
    };

    /// <summary>The SQLite file in <paramref name="dataDir"/>.</summary>
    public static FabricStorage Sqlite(string dataDir)
    {
        var file = Path.GetFullPath(Path.Combine(dataDir, SqliteFileName));
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = file,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            // Several silo processes share the file: a writer waits up to this many seconds for another's lock
            // instead of failing with SQLITE_BUSY.
            DefaultTimeout = 30,
        };
        return new FabricStorage(StorageKind.Sqlite, builder.ConnectionString, file, $"SQLite database {file}");
    }

    /// <summary>A PostgreSQL database; the connection string must name at least a host.</summary>
    public static FabricStorage Postgres(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new FabricStorageException(
                "PostgreSQL storage needs a connection string: --connection \"Host=...;Database=...;Username=...\" " +
                "or FABRIC__STORAGE__CONNECTIONSTRING.");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new FabricStorageException($"The PostgreSQL connection string is malformed: {e.Message}", e);
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new FabricStorageException("The PostgreSQL connection string names no Host.");
        }

        var description = $"PostgreSQL database '{builder.Database ?? builder.Username ?? "postgres"}' at {builder.Host}:{builder.Port}";
        return new FabricStorage(StorageKind.Postgres, builder.ConnectionString, null, description);
    }
}
