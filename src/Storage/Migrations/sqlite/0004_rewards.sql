-- Fabric's hourly rewards (SQLite). One row per epoch (emission hour) and reward stream; the epoch's plan is written
-- ahead of its mints in one transaction (every device's share and every wallet's payout), so a distribution that
-- stops half-way is finished later with exactly the same mints (their ledger operation ids name stream, epoch and
-- wallet). Device shares are kept for a bounded number of hours; payouts and per-device totals for ever.

CREATE TABLE IF NOT EXISTS FabricRewardEpoch
(
    Stream          TEXT    NOT NULL,             -- 'network' (tests use their own streams)
    Epoch           INTEGER NOT NULL,             -- emission hour index
    HourStartUnixMs INTEGER NOT NULL,
    Issuance        INTEGER NOT NULL,             -- IO base units the schedule issues in the hour
    GpuPool         INTEGER NOT NULL,
    CpuPool         INTEGER NOT NULL,             -- not minted: no CPU devices
    Distributed     INTEGER NOT NULL,             -- minted to owners; Issuance - Distributed is never minted
    Devices         INTEGER NOT NULL,
    Owners          INTEGER NOT NULL,
    Complete        INTEGER NOT NULL,             -- 1 when every pool shard watched the whole hour
    Status          TEXT    NOT NULL,             -- Planned, Applied
    PlannedAtUnixMs INTEGER NOT NULL,
    AppliedAtUnixMs INTEGER,
    PRIMARY KEY (Stream, Epoch),
    CHECK (GpuPool >= 0 AND CpuPool >= 0 AND GpuPool + CpuPool = Issuance AND Distributed >= 0 AND Distributed <= GpuPool)
);

CREATE TABLE IF NOT EXISTS FabricRewardShare
(
    Stream          TEXT    NOT NULL,
    Epoch           INTEGER NOT NULL,
    DeviceId        TEXT    NOT NULL,
    Owner           TEXT    NOT NULL,
    Seconds         INTEGER NOT NULL,
    WeightedSeconds INTEGER NOT NULL,
    BonusBps        INTEGER NOT NULL,
    Amount          INTEGER NOT NULL CHECK (Amount >= 0),
    PRIMARY KEY (Stream, Epoch, DeviceId)
);

CREATE INDEX IF NOT EXISTS FabricRewardShareByDevice ON FabricRewardShare (Stream, DeviceId, Epoch);

CREATE TABLE IF NOT EXISTS FabricRewardPayout
(
    Stream  TEXT    NOT NULL,
    Epoch   INTEGER NOT NULL,
    Owner   TEXT    NOT NULL,
    Amount  INTEGER NOT NULL CHECK (Amount > 0),
    Devices INTEGER NOT NULL,
    PRIMARY KEY (Stream, Epoch, Owner)
);

CREATE INDEX IF NOT EXISTS FabricRewardPayoutByOwner ON FabricRewardPayout (Stream, Owner, Epoch);

CREATE TABLE IF NOT EXISTS FabricRewardDevice
(
    Stream    TEXT    NOT NULL,
    DeviceId  TEXT    NOT NULL,
    Owner     TEXT    NOT NULL,                   -- the wallet paid for it most recently
    Earned    INTEGER NOT NULL,
    Epochs    INTEGER NOT NULL,
    LastEpoch INTEGER NOT NULL,
    PRIMARY KEY (Stream, DeviceId)
);
