-- Parameter changes (issue 7, governance): events of kind 'parameter' carry no postings; the ledger and the
-- parameters grain read them all back on activation. A partial index keeps that read off the full event table and
-- costs other events nothing.

CREATE INDEX IF NOT EXISTS FabricLedgerParameterEvent ON FabricLedgerEvent (Sequence) WHERE Kind = 'parameter';
