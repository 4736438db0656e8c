using System.Data.Common;
using Fabric.Storage;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fabric.Persistence;

/// <summary>
/// Plain ADO.NET on Fabric's own tables (the ledger, rewards), on whichever database the silo runs: opening a
/// connection and building a parameterised command, so each store holds only its SQL.
/// </summary>
internal sealed class FabricDb(FabricStorage storage)
{
    private readonly DbProviderFactory _factory =
        storage.Kind == StorageKind.Sqlite ? SqliteFactory.Instance : NpgsqlFactory.Instance;

    public async Task<DbConnection> OpenAsync()
    {
        var connection = _factory.CreateConnection()!;
        connection.ConnectionString = storage.ConnectionString;
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
