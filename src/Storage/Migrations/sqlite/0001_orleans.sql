-- Fabric migration 0001 (SQLite): schema and query rows for the Orleans 10.4.2 ADO.NET providers
-- (clustering, grain persistence, reminders), used with Orleans invariant "System.Data.SQLite",
-- which Orleans maps to Microsoft.Data.Sqlite. See ../FACTS.md for the contract this implements.
--
-- Rules this file follows:
--  * Idempotent: tables/indexes use IF NOT EXISTS, triggers are dropped and re-created, query rows
--    use INSERT OR REPLACE. No PRAGMAs (the host sets WAL/busy timeout) and no BEGIN/COMMIT (the
--    migration runner wraps the file in a transaction).
--  * Orleans runs every query on its own pooled connection in autocommit mode, with no transaction.
--    A query text must therefore never contain BEGIN/COMMIT: if it failed half-way, the open
--    transaction would stay on the pooled connection (Microsoft.Data.Sqlite does not roll back a
--    transaction it did not start). Every change is made by ONE statement, which SQLite runs
--    atomically under the write lock; where two tables must change together, a trigger does the
--    second change inside that same statement.
--  * A query text may hold several statements: Microsoft.Data.Sqlite runs them in order and only
--    statements that produce columns become result sets. The pattern "<one DML statement>;
--    SELECT ... changes() ..." is safe because changes() is per connection and the connection is
--    used by nobody else while the command runs; it always yields exactly one row.
--  * Parameters are written @Name; Orleans adds them without a prefix and Microsoft.Data.Sqlite
--    matches either form.
--  * Dates: Orleans binds DateTime parameters with DbType.DateTime, which Microsoft.Data.Sqlite
--    stores as TEXT 'yyyy-MM-dd HH:mm:ss.FFFFFFF' (UTC wall clock, no offset); Orleans reads them
--    with GetDateTime and marks them UTC. Text written by that one formatter sorts in time order,
--    so < and = comparisons between such values are correct. Columns are declared TEXT so no
--    affinity conversion touches them.

------------------------------------------------------------------------------------------------
-- Query table: every provider loads "SELECT QueryKey, QueryText FROM OrleansQuery" at start-up.
------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  TEXT NOT NULL PRIMARY KEY,
    QueryText TEXT NOT NULL
);

------------------------------------------------------------------------------------------------
-- Clustering (membership)
------------------------------------------------------------------------------------------------

-- One row per cluster (Orleans calls it DeploymentId = ClusterOptions.ClusterId). Version is the
-- membership table version: every successful insert/update of a member row bumps it by one, and
-- Orleans passes the version it last read as the optimistic-concurrency token.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId TEXT    NOT NULL PRIMARY KEY,
    Timestamp    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    Version      INTEGER NOT NULL DEFAULT 0
);

-- One row per silo incarnation (address, port, generation).
-- WriteVersion is Fabric's own column (Orleans never reads it): the table version that the last
-- InsertMembership/UpdateMembership of this row was checked against. Writing it is what fires the
-- triggers below, which perform the compare-and-bump on OrleansMembershipVersionTable.
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId TEXT    NOT NULL,
    Address      TEXT    NOT NULL,
    Port         INTEGER NOT NULL,
    Generation   INTEGER NOT NULL,
    SiloName     TEXT    NOT NULL,  -- read back with a plain string cast: must never be NULL
    HostName     TEXT    NOT NULL,
    Status       INTEGER NOT NULL,  -- Orleans SiloStatus as int (3 = Active, 6 = Dead)
    ProxyPort    INTEGER NOT NULL,  -- read back with Convert.ToInt32: NULL would throw
    SuspectTimes TEXT    NULL,      -- "silo,date|silo,date" as formatted by Orleans
    StartTime    TEXT    NOT NULL,
    IAmAliveTime TEXT    NOT NULL,
    WriteVersion INTEGER NOT NULL,
    PRIMARY KEY (DeploymentId, Address, Port, Generation)
);

-- InsertMembership: the row may only be inserted if the cluster's version still equals the token
-- (NEW.WriteVersion) and the row does not exist yet; then the version is bumped in the same
-- statement. Otherwise RAISE(IGNORE) drops the row, so the INSERT reports changes() = 0.
DROP TRIGGER IF EXISTS OrleansMembershipTable_CheckInsert;
CREATE TRIGGER OrleansMembershipTable_CheckInsert
BEFORE INSERT ON OrleansMembershipTable
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE DeploymentId = NEW.DeploymentId
      AND Version = NEW.WriteVersion
      AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable m
                      WHERE m.DeploymentId = NEW.DeploymentId AND m.Address = NEW.Address
                        AND m.Port = NEW.Port AND m.Generation = NEW.Generation);
    -- Inside a trigger changes() reports the trigger's own previous statement.
    SELECT RAISE(IGNORE) WHERE changes() = 0;
END;

-- UpdateMembership: same compare-and-bump; fires only when WriteVersion is in the SET list, so the
-- frequent UpdateIAmAlive (which does not set it) never touches the version.
DROP TRIGGER IF EXISTS OrleansMembershipTable_CheckUpdate;
CREATE TRIGGER OrleansMembershipTable_CheckUpdate
BEFORE UPDATE OF WriteVersion ON OrleansMembershipTable
BEGIN
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1,
        Timestamp = strftime('%Y-%m-%d %H:%M:%f', 'now')
    WHERE DeploymentId = NEW.DeploymentId
      AND Version = NEW.WriteVersion;
    SELECT RAISE(IGNORE) WHERE changes() = 0;
END;

------------------------------------------------------------------------------------------------
-- Grain persistence
------------------------------------------------------------------------------------------------

-- A grain's identity is (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString);
-- the two hashes are what Orleans computes from them and lead the index so lookups stay narrow.
-- GrainIdExtensionString is NULL for keys without an extension. SQLite treats NULLs as distinct in a
-- UNIQUE index, so the index uses ifnull('+' || ext, '') which maps NULL -> '' and 'x' -> '+x'
-- (one-to-one), making "no extension" a real key value the UPSERT below can conflict on.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            INTEGER NOT NULL,
    GrainIdN0              INTEGER NOT NULL,
    GrainIdN1              INTEGER NOT NULL,
    GrainTypeHash          INTEGER NOT NULL,
    GrainTypeString        TEXT    NOT NULL,
    GrainIdExtensionString TEXT    NULL,
    ServiceId              TEXT    NOT NULL,
    PayloadBinary          BLOB    NULL,     -- NULL = cleared state (row and version kept)
    ModifiedOn             TEXT    NOT NULL, -- informational only
    Version                INTEGER NOT NULL  -- the grain state's ETag
);

CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain ON OrleansStorage
(
    GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString,
    ifnull('+' || GrainIdExtensionString, '')
);

------------------------------------------------------------------------------------------------
-- Reminders
------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    TEXT    NOT NULL,
    GrainId      TEXT    NOT NULL,  -- GrainId.ToString(), parsed back with GrainId.Parse
    ReminderName TEXT    NOT NULL,
    StartTime    TEXT    NOT NULL,
    Period       INTEGER NOT NULL,  -- milliseconds; Orleans sends int or long, reads Int64
    GrainHash    INTEGER NOT NULL,  -- GrainId uniform hash (uint) stored as signed 32-bit
    Version      INTEGER NOT NULL,  -- the reminder's ETag
    PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

------------------------------------------------------------------------------------------------
-- Query rows: clustering
------------------------------------------------------------------------------------------------

-- Creates the cluster's version row. Must return exactly one row with one column:
-- 1 when this call created it, 0 when it already existed (the provider calls .First()).
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', '
INSERT INTO OrleansMembershipVersionTable (DeploymentId, Version)
VALUES (@DeploymentId, 0)
ON CONFLICT (DeploymentId) DO NOTHING;
SELECT changes() > 0 AS Created;
');

-- Returns one row with 1 (inserted, version bumped) or 0 (stale @Version or row exists); the
-- decision is made by trigger OrleansMembershipTable_CheckInsert within the same statement.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', '
INSERT INTO OrleansMembershipTable
    (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
     SuspectTimes, StartTime, IAmAliveTime, WriteVersion)
VALUES
    (@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
     NULL, @StartTime, @IAmAliveTime, @Version);
SELECT changes() > 0 AS Inserted;
');

-- Returns one row with 1 (updated, version bumped) or 0 (stale @Version or no such row); the
-- decision is made by trigger OrleansMembershipTable_CheckUpdate within the same statement.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', '
UPDATE OrleansMembershipTable
SET Status = @Status,
    SuspectTimes = @SuspectTimes,
    IAmAliveTime = @IAmAliveTime,
    WriteVersion = @Version
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation;
SELECT changes() > 0 AS Updated;
');

-- Heartbeat; no result is read and the table version is deliberately not changed.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation;
');

-- The version row is the driving table: it is returned (member columns NULL) even when the silo
-- has no row, because Orleans takes the table version from the first row and treats a NULL
-- StartTime as "no entry". Zero rows (no version row) is an error for the provider.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
');

-- Used by clients/gateway list: @Status is always 3 (Active).
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
');

-- Removes a whole cluster (tests / reset). Members first, then the version row.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
');

-- Required key, but only used when the optional CleanupDefunctSiloEntryKey below is absent:
-- deletes stale (IAmAliveTime before the cut-off) rows that are not Active.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND IAmAliveTime < @IAmAliveTime
  AND Status <> 3;
');

-- Optional key (new in 10.4.x). When present the provider reads all rows, picks Dead (6) entries
-- older than the cut-off with no recent suspicion vote, and deletes each one with this query,
-- passing the values it read: the row is deleted only if none of them changed since.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntryKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND ifnull(SuspectTimes, '''') = ifnull(@SuspectTimes, '''');
');

------------------------------------------------------------------------------------------------
-- Query rows: grain persistence
--   The provider reads Write/Clear/Delete results with SingleOrDefault(): more than one row is an
--   exception (dotnet/orleans#11303), a NULL or a repeated ETag is reported as
--   InconsistentStateException. Every query below returns exactly one row.
------------------------------------------------------------------------------------------------

-- Returns PayloadBinary (NULL after a clear) and Version, or no row if the grain was never written.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString;
');

-- One UPSERT statement:
--  * @GrainStateVersion NULL (first write): inserts Version 1; if a row already exists the
--    DO UPDATE condition (Version = NULL) is false and nothing changes.
--  * @GrainStateVersion = n: the row must exist (the SELECT yields nothing otherwise, so no phantom
--    row is created) and its Version must be n; then payload is replaced and Version becomes n+1.
-- The following SELECT then reports the new version (always ifnull(@GrainStateVersion,0)+1 on
-- success) or NULL on a conflict, in exactly one row.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
INSERT INTO OrleansStorage
    (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
     ServiceId, PayloadBinary, ModifiedOn, Version)
SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString,
       @ServiceId, @PayloadBinary, strftime(''%Y-%m-%d %H:%M:%f'', ''now''), 1
WHERE @GrainStateVersion IS NULL
   OR EXISTS (SELECT 1 FROM OrleansStorage
              WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
                AND ServiceId = @ServiceId
                AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
                AND GrainTypeString = @GrainTypeString
                AND GrainIdExtensionString IS @GrainIdExtensionString)
ON CONFLICT (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString,
             ifnull(''+'' || GrainIdExtensionString, ''''))
DO UPDATE SET
    PayloadBinary = excluded.PayloadBinary,
    ModifiedOn = excluded.ModifiedOn,
    Version = Version + 1
WHERE Version = @GrainStateVersion;
SELECT CASE WHEN changes() = 1 THEN ifnull(@GrainStateVersion, 0) + 1 END AS NewGrainStateVersion;
');

-- Clear keeps the row, sets PayloadBinary NULL and bumps Version (so a stale writer conflicts).
-- One row: the new version, or NULL on a version conflict.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL,
    ModifiedOn = strftime(''%Y-%m-%d %H:%M:%f'', ''now''),
    Version = Version + 1
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
  AND Version = @GrainStateVersion;
SELECT CASE WHEN changes() = 1 THEN @GrainStateVersion + 1 END AS NewGrainStateVersion;
');

-- Used instead of ClearStorageKey when AdoNetGrainStorageOptions.DeleteStateOnClear = true:
-- removes the row. The provider only needs a non-NULL value different from the old ETag (it then
-- sets the ETag to null), so it gets old version + 1; NULL on a version conflict.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND GrainIdExtensionString IS @GrainIdExtensionString
  AND Version = @GrainStateVersion;
SELECT CASE WHEN changes() = 1 THEN @GrainStateVersion + 1 END AS NewGrainStateVersion;
');

------------------------------------------------------------------------------------------------
-- Query rows: reminders
--   Rows are read by column name: GrainId, ReminderName, StartTime, Period (Int64), Version.
------------------------------------------------------------------------------------------------

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
');

-- Ring range (BeginHash, EndHash] when BeginHash < EndHash as signed ints.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
');

-- The wrapped range (also the whole ring when BeginHash = EndHash).
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', '
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
');

-- Insert (Version 0) or update (Version + 1); RETURNING gives exactly one row with the new ETag.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', '
INSERT INTO OrleansRemindersTable
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE SET
    StartTime = excluded.StartTime,
    Period = excluded.Period,
    GrainHash = excluded.GrainHash,
    Version = Version + 1
RETURNING Version;
');

-- One row, one column: 1 if the row with that ETag was deleted, else 0.
INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', '
DELETE FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId
  AND ReminderName = @ReminderName AND Version = @Version;
SELECT changes() > 0 AS Deleted;
');

INSERT OR REPLACE INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', '
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
');
