-- Payments (sqlite). Keep in step with migrations/postgres/0006_payments.sql.

-- One attempt to pay an order through a gateway (scan-to-pay). out_trade_no is our
-- reference at the gateway; a payment succeeds at most once.
CREATE TABLE payments (
    id             INTEGER PRIMARY KEY,
    order_id       INTEGER NOT NULL REFERENCES orders (id),
    out_trade_no   TEXT    NOT NULL UNIQUE,
    provider       TEXT    NOT NULL,
    channel        TEXT    NOT NULL,
    amount_fen     INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    code_url       TEXT    NOT NULL,
    transaction_id TEXT,
    created_at     INTEGER NOT NULL,
    succeeded_at   INTEGER
);
CREATE INDEX payments_by_order ON payments (order_id);

ALTER TABLE orders ADD COLUMN paid_via TEXT NOT NULL DEFAULT '';

-- Key pairs of built-in gateways (the sandbox makes its own at first start and keeps
-- it here, so every app server verifies with the same public key).
CREATE TABLE gateway_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT    NOT NULL,
    public_key TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The sandbox gateway's own books: what a real gateway keeps on its side.
CREATE TABLE sandbox_transactions (
    id              TEXT PRIMARY KEY,
    out_trade_no    TEXT    NOT NULL UNIQUE,
    amount_fen      INTEGER NOT NULL,
    channel         TEXT    NOT NULL,
    description     TEXT    NOT NULL,
    notify_url      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    paid_at         INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    acknowledged_at INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sandbox_transactions_due ON sandbox_transactions (acknowledged_at, next_attempt_at);
