-- Fabric migration 0001 (PostgreSQL 15+): schema and query rows for the Orleans 10.4.2 ADO.NET
-- providers (clustering, grain persistence, reminders), Orleans invariant "Npgsql".
-- See ../FACTS.md for the contract this implements.
--
-- Rules this file follows:
--  * Idempotent: CREATE ... IF NOT EXISTS, query rows upserted with ON CONFLICT (QueryKey).
--    No BEGIN/COMMIT (the migration runner wraps the file in a transaction).
--  * Orleans runs each query text as one autocommit command, without a transaction. Every query that
--    changes data is therefore ONE statement; where two tables must change together the statement
--    uses data-modifying CTEs, which PostgreSQL runs atomically. No functions are needed.
--  * Identifiers are unquoted, so PostgreSQL folds them to lower case; Npgsql's GetOrdinal falls
--    back to a case-insensitive match, so Orleans' mixed-case column names still resolve.
--  * Parameters are written @Name (Npgsql rewrites them). Npgsql sends them typed: int -> integer,
--    long -> bigint, string -> text, byte[] -> bytea, DateTime (DbType.DateTime, Kind=Utc) ->
--    timestamptz. Date columns are therefore timestamptz; they read back as DateTime Kind=Utc.
--  * Every query the providers read with .First()/SingleOrDefault() returns exactly one row.
--  * Requires PostgreSQL 15 for UNIQUE NULLS NOT DISTINCT (grain storage key).

------------------------------------------------------------------------------------------------
-- Query table: every provider loads "SELECT QueryKey, QueryText FROM OrleansQuery" at start-up.
------------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);

------------------------------------------------------------------------------------------------
-- Clustering (membership)
------------------------------------------------------------------------------------------------

-- One row per cluster (DeploymentId = ClusterOptions.ClusterId). Version is the membership table
-- version: each successful insert/update of a member bumps it; Orleans passes the version it last
-- read as the optimistic-concurrency token.
CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),
    Version      integer      NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port, generation).
CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,
    Port         integer      NOT NULL,
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,  -- read back with a plain string cast: never NULL
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,  -- Orleans SiloStatus as int (3 = Active, 6 = Dead)
    ProxyPort    integer      NOT NULL,  -- read back with Convert.ToInt32: NULL would throw
    SuspectTimes text         NULL,      -- "silo,date|silo,date" as formatted by Orleans
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,
    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

------------------------------------------------------------------------------------------------
-- Grain persistence
------------------------------------------------------------------------------------------------

-- Identity: (ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString); the hashes
-- Orleans computes from them lead the key so lookups stay narrow. GrainIdExtensionString is NULL for
-- keys without an extension; NULLS NOT DISTINCT makes that a real key value for ON CONFLICT.
CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer     NOT NULL,
    GrainIdN0              bigint      NOT NULL,
    GrainIdN1              bigint      NOT NULL,
    GrainTypeHash          integer     NOT NULL,
    GrainTypeString        text        NOT NULL,
    GrainIdExtensionString text        NULL,
    ServiceId              text        NOT NULL,
    PayloadBinary          bytea       NULL,     -- NULL = cleared state (row and version kept)
    ModifiedOn             timestamptz NOT NULL DEFAULT now(),  -- informational only
    Version                integer     NOT NULL, -- the grain state's ETag
    CONSTRAINT UX_OrleansStorage_Grain UNIQUE NULLS NOT DISTINCT
        (GrainIdHash, GrainTypeHash, ServiceId, GrainIdN0, GrainIdN1, GrainTypeString, GrainIdExtensionString)
);

------------------------------------------------------------------------------------------------
-- Reminders
------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(150) NOT NULL,  -- GrainId.ToString(), parsed back with GrainId.Parse
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,  -- milliseconds; Orleans sends int or long, reads Int64
    GrainHash    integer      NOT NULL,  -- GrainId uniform hash (uint) stored as signed 32-bit
    Version      integer      NOT NULL,  -- the reminder's ETag
    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

CREATE INDEX IF NOT EXISTS IX_OrleansRemindersTable_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

------------------------------------------------------------------------------------------------
-- Query rows. Dollar-quoted ($q$ ... $q$) so the SQL inside needs no quote doubling.
------------------------------------------------------------------------------------------------
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- ===== clustering =====

-- Creates the cluster's version row; one row: true if created now, false if it already existed.
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId, Version)
    VALUES (@DeploymentId, 0)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS Created;
$q$),

-- Compare-and-bump the version (only if the token matches and the row is new), then insert the
-- member row from the bump's output, all in one statement. Concurrent callers with the same token
-- serialize on the version row lock and all but one see Version changed (re-checked after the
-- wait), so exactly one succeeds. One row: true / false.
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    WHERE v.DeploymentId = @DeploymentId
      AND v.Version = @Version
      AND NOT EXISTS (SELECT 1 FROM OrleansMembershipTable m
                      WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                        AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), inserted AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort,
         SuspectTimes, StartTime, IAmAliveTime)
    SELECT b.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
           NULL, @StartTime, @IAmAliveTime
    FROM bumped b
    ON CONFLICT (DeploymentId, Address, Port, Generation) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AS Inserted;
$q$),

-- Same pattern for an existing row. One row: true / false.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
    SET Version = v.Version + 1, Timestamp = now()
    WHERE v.DeploymentId = @DeploymentId
      AND v.Version = @Version
      AND EXISTS (SELECT 1 FROM OrleansMembershipTable m
                  WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
                    AND m.Port = @Port AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), updated AS (
    UPDATE OrleansMembershipTable m
    SET Status = @Status, SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM bumped b
    WHERE m.DeploymentId = b.DeploymentId AND m.Address = @Address
      AND m.Port = @Port AND m.Generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated) AS Updated;
$q$),

-- Heartbeat; no result is read and the table version is deliberately not changed.
('UpdateIAmAlivetimeKey', $q$
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation;
$q$),

-- The version row drives the join: it comes back (member columns NULL) even when there is no
-- member row, because Orleans takes the table version from the first row and treats NULL
-- StartTime as "no entry".
('MembershipReadRowKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address AND m.Port = @Port AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
$q$),

('MembershipReadAllKey', $q$
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status,
       m.ProxyPort, m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
$q$),

-- Used by clients/gateway list: @Status is always 3 (Active).
('GatewaysQueryKey', $q$
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = @Status AND ProxyPort > 0;
$q$),

-- Removes a whole cluster (tests / reset). A data-modifying CTE always runs, and the foreign key
-- is checked at the end of the statement, when both deletes are done.
('DeleteMembershipTableEntriesKey', $q$
WITH members AS (
    DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId RETURNING 1
)
DELETE FROM OrleansMembershipVersionTable
WHERE DeploymentId = @DeploymentId;
$q$),

-- Required key, only used when the optional CleanupDefunctSiloEntryKey is absent: deletes stale
-- rows (IAmAliveTime before the cut-off) that are not Active.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId
  AND IAmAliveTime < @IAmAliveTime
  AND Status <> 3;
$q$),

-- Optional key (new in 10.4.x): the provider picks Dead (6) entries itself and deletes each one
-- with the values it read; the row goes only if none of them changed since.
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = @Port AND Generation = @Generation
  AND Status = 6
  AND StartTime = @StartTime
  AND IAmAliveTime = @IAmAliveTime
  AND coalesce(SuspectTimes, '') = coalesce(@SuspectTimes, '');
$q$),

-- ===== grain persistence =====
-- Write/Clear/Delete results are read with SingleOrDefault(): more than one row throws
-- (dotnet/orleans#11303); NULL or an unchanged ETag is reported as InconsistentStateException.
-- Each query below returns exactly one row (a scalar sub-select is NULL when nothing changed).

-- PayloadBinary (NULL after a clear) and Version, or no row if never written.
('ReadFromStorageKey', $q$
SELECT PayloadBinary, Version
FROM OrleansStorage
WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
  AND ServiceId = @ServiceId
  AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
  AND GrainTypeString = @GrainTypeString
  AND (GrainIdExtensionString = @GrainIdExtensionString
       OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL));
$q$),

-- Two mutually exclusive branches chosen by @GrainStateVersion:
--  NULL  -> first write: insert Version 1; a row inserted concurrently makes DO NOTHING win -> NULL.
--  n     -> update only the row whose Version is n, to n+1; otherwise NULL.
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE @GrainStateVersion IS NOT NULL
      AND GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND (GrainIdExtensionString = @GrainIdExtensionString
           OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
      AND Version = @GrainStateVersion
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString,
         ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, now(), 1
    WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT coalesce((SELECT Version FROM updated), (SELECT Version FROM inserted)) AS NewGrainStateVersion;
$q$),

-- Clear keeps the row, sets PayloadBinary NULL and bumps Version. One row: new version or NULL.
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE OrleansStorage
    SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND (GrainIdExtensionString = @GrainIdExtensionString
           OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
      AND Version = @GrainStateVersion
    RETURNING Version
)
SELECT (SELECT Version FROM cleared) AS NewGrainStateVersion;
$q$),

-- Used instead of ClearStorageKey when DeleteStateOnClear = true: removes the row. The provider
-- only needs a non-NULL value different from the old ETag (then sets the ETag to null), so it
-- gets old version + 1; NULL on a version conflict.
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM OrleansStorage
    WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
      AND ServiceId = @ServiceId
      AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
      AND GrainTypeString = @GrainTypeString
      AND (GrainIdExtensionString = @GrainIdExtensionString
           OR (GrainIdExtensionString IS NULL AND @GrainIdExtensionString IS NULL))
      AND Version = @GrainStateVersion
    RETURNING Version + 1 AS NextVersion
)
SELECT (SELECT NextVersion FROM deleted) AS NewGrainStateVersion;
$q$),

-- ===== reminders =====
-- Rows are read by column name: GrainId, ReminderName, StartTime, Period (Int64), Version.

('ReadReminderRowsKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId;
$q$),

('ReadReminderRowKey', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId AND GrainId = @GrainId AND ReminderName = @ReminderName;
$q$),

-- Ring range (BeginHash, EndHash] when BeginHash < EndHash as signed ints.
('ReadRangeRows1Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND GrainHash > @BeginHash AND GrainHash <= @EndHash;
$q$),

-- The wrapped range (also the whole ring when BeginHash = EndHash).
('ReadRangeRows2Key', $q$
SELECT GrainId, ReminderName, StartTime, Period, Version
FROM OrleansRemindersTable
WHERE ServiceId = @ServiceId
  AND (GrainHash > @BeginHash OR GrainHash <= @EndHash);
$q$),

-- Insert (Version 0) or update (Version + 1); exactly one row with the new ETag.
('UpsertReminderRowKey', $q$
INSERT INTO OrleansRemindersTable AS r
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE SET
    StartTime = EXCLUDED.StartTime,
    Period = EXCLUDED.Period,
    GrainHash = EXCLUDED.GrainHash,
    Version = r.Version + 1
RETURNING r.Version AS Version;
$q$),

-- One row, one column: true if the row with that ETag was deleted.
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM OrleansRemindersTable
    WHERE ServiceId = @ServiceId AND GrainId = @GrainId
      AND ReminderName = @ReminderName AND Version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS Deleted;
$q$),

('DeleteReminderRowsKey', $q$
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
