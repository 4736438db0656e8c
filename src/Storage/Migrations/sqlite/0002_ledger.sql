-- Fabric's ledger (SQLite). An append-only, hash-chained event log with double-entry postings, plus the account
-- balances and holds those postings add up to. The ledger writes an event, its postings, the balances and the hold
-- in one transaction, so they can never disagree; verification recomputes balances from the postings anyway.

CREATE TABLE IF NOT EXISTS FabricLedgerEvent
(
    Sequence     INTEGER NOT NULL PRIMARY KEY,   -- 1, 2, 3, ...: a second writer racing for the same number fails here
    OperationId  TEXT    NOT NULL UNIQUE,        -- applied at most once
    Kind         TEXT    NOT NULL,
    Token        INTEGER NOT NULL,               -- 0 = IO, 1 = IOSD
    Memo         TEXT    NOT NULL,
    RequestedBy  TEXT    NOT NULL,
    Digest       BLOB    NOT NULL,               -- SHA-256 of the command: tells a retry from a reused id
    AtUnixMs     INTEGER NOT NULL,
    PreviousHash BLOB    NOT NULL,
    Hash         BLOB    NOT NULL
);

CREATE TABLE IF NOT EXISTS FabricLedgerPosting
(
    Sequence INTEGER NOT NULL REFERENCES FabricLedgerEvent (Sequence),
    Ordinal  INTEGER NOT NULL,
    Account  TEXT    NOT NULL,                   -- wallet:ADDRESS, hold:ID, supply:minted, supply:burned
    Owner    TEXT    NOT NULL,                   -- the wallet the account belongs to; '' for supply accounts
    Delta    INTEGER NOT NULL,
    PRIMARY KEY (Sequence, Ordinal)
);

CREATE INDEX IF NOT EXISTS FabricLedgerPostingByOwner ON FabricLedgerPosting (Owner, Sequence);

CREATE TABLE IF NOT EXISTS FabricLedgerAccount
(
    Account TEXT    NOT NULL,
    Token   INTEGER NOT NULL,
    Owner   TEXT    NOT NULL,
    Balance INTEGER NOT NULL,
    PRIMARY KEY (Account, Token),
    -- Defence in depth: whatever the code does, no wallet or hold goes below zero. Only the minted-supply account,
    -- the source of all money, is negative.
    CHECK (Balance >= 0 OR Account = 'supply:minted')
);

CREATE INDEX IF NOT EXISTS FabricLedgerAccountByOwner ON FabricLedgerAccount (Owner, Token);

CREATE TABLE IF NOT EXISTS FabricLedgerHold
(
    HoldId         TEXT    NOT NULL PRIMARY KEY,
    Owner          TEXT    NOT NULL,
    Token          INTEGER NOT NULL,
    Amount         INTEGER NOT NULL,             -- as first held
    Status         TEXT    NOT NULL,             -- Active, Captured, Released
    OpenedSequence INTEGER NOT NULL,
    ClosedSequence INTEGER
);
