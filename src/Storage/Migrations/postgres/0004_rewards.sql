-- Fabric's hourly rewards (PostgreSQL). One row per epoch (emission hour) and reward stream; the epoch's plan is written
-- ahead of its mints in one transaction (every device's share and every wallet's payout), so a distribution that
-- stops half-way is finished later with exactly the same mints (their ledger operation ids name stream, epoch and
-- wallet). Device shares are kept for a bounded number of hours; payouts and per-device totals for ever.

CREATE TABLE IF NOT EXISTS FabricRewardEpoch
(
    Stream          TEXT    NOT NULL,             -- 'network' (tests use their own streams)
    Epoch           BIGINT  NOT NULL,             -- emission hour index
    HourStartUnixMs BIGINT  NOT NULL,
    Issuance        BIGINT  NOT NULL,             -- IO base units the schedule issues in the hour
    GpuPool         BIGINT  NOT NULL,
    CpuPool         BIGINT  NOT NULL,             -- not minted: no CPU devices
    Distributed     BIGINT  NOT NULL,             -- minted to owners; Issuance - Distributed is never minted
    Devices         BIGINT  NOT NULL,
    Owners          BIGINT  NOT NULL,
    Complete        BIGINT  NOT NULL,             -- 1 when every pool shard watched the whole hour
    Status          TEXT    NOT NULL,             -- Planned, Applied
    PlannedAtUnixMs BIGINT  NOT NULL,
    AppliedAtUnixMs BIGINT,
    PRIMARY KEY (Stream, Epoch),
    CHECK (GpuPool >= 0 AND CpuPool >= 0 AND GpuPool + CpuPool = Issuance AND Distributed >= 0 AND Distributed <= GpuPool)
);

CREATE TABLE IF NOT EXISTS FabricRewardShare
(
    Stream          TEXT    NOT NULL,
    Epoch           BIGINT  NOT NULL,
    DeviceId        TEXT    NOT NULL,
    Owner           TEXT    NOT NULL,
    Seconds         BIGINT  NOT NULL,
    WeightedSeconds BIGINT  NOT NULL,
    BonusBps        BIGINT  NOT NULL,
    Amount          BIGINT  NOT NULL CHECK (Amount >= 0),
    PRIMARY KEY (Stream, Epoch, DeviceId)
);

CREATE INDEX IF NOT EXISTS FabricRewardShareByDevice ON FabricRewardShare (Stream, DeviceId, Epoch);

CREATE TABLE IF NOT EXISTS FabricRewardPayout
(
    Stream  TEXT    NOT NULL,
    Epoch   BIGINT  NOT NULL,
    Owner   TEXT    NOT NULL,
    Amount  BIGINT  NOT NULL CHECK (Amount > 0),
    Devices BIGINT  NOT NULL,
    PRIMARY KEY (Stream, Epoch, Owner)
);

CREATE INDEX IF NOT EXISTS FabricRewardPayoutByOwner ON FabricRewardPayout (Stream, Owner, Epoch);

CREATE TABLE IF NOT EXISTS FabricRewardDevice
(
    Stream    TEXT    NOT NULL,
    DeviceId  TEXT    NOT NULL,
    Owner     TEXT    NOT NULL,                   -- the wallet paid for it most recently
    Earned    BIGINT  NOT NULL,
    Epochs    BIGINT  NOT NULL,
    LastEpoch BIGINT  NOT NULL,
    PRIMARY KEY (Stream, DeviceId)
);
