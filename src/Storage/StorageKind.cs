namespace Fabric.Storage;

/// <summary>The databases Fabric runs on.</summary>
public enum StorageKind
{
    /// <summary>One file under the data folder: zero set-up, several silo processes on one machine.</summary>
    Sqlite,

    /// <summary>PostgreSQL 15 or later: many silos on many machines.</summary>
    Postgres,
}
