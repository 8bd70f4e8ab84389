-- Invoices and refunds (sqlite). Keep in step with migrations/postgres/0008_invoices_refunds.sql.

-- What has gone back to the payer, so no refund can take more than was paid: every
-- refund reserves its amount here with a conditional update before the gateway is asked.
ALTER TABLE orders ADD COLUMN refunded_fen INTEGER NOT NULL DEFAULT 0;

-- 退款申请. kind: 'full' (fee and accommodation) or 'partial' (accommodation only);
-- status: review → processing (sent to the gateway) → succeeded, or rejected / failed.
CREATE TABLE refunds (
    id               INTEGER PRIMARY KEY,
    order_id         INTEGER NOT NULL REFERENCES orders (id),
    registration_id  INTEGER NOT NULL REFERENCES registrations (id),
    user_id          INTEGER NOT NULL REFERENCES users (id),
    payment_id       INTEGER NOT NULL REFERENCES payments (id),
    kind             TEXT    NOT NULL,
    amount_fen       INTEGER NOT NULL,
    reason           TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    out_refund_no    TEXT    NOT NULL UNIQUE,
    gateway_refund_id TEXT,
    review_note      TEXT    NOT NULL DEFAULT '',
    reviewed_by      INTEGER REFERENCES users (id),
    reviewed_at      INTEGER,
    completed_at     INTEGER,
    created_at       INTEGER NOT NULL,
    CHECK (amount_fen > 0)
);
CREATE INDEX refunds_by_status ON refunds (status, created_at);
CREATE INDEX refunds_by_order ON refunds (order_id);
-- At most one refund in the works per order.
CREATE UNIQUE INDEX refunds_one_open ON refunds (order_id) WHERE status IN ('review', 'processing');

-- The sandbox gateway's refunds (its own books), confirmed by a signed notification.
CREATE TABLE sandbox_refunds (
    id              TEXT PRIMARY KEY,
    out_refund_no   TEXT    NOT NULL UNIQUE,
    out_trade_no    TEXT    NOT NULL,
    amount_fen      INTEGER NOT NULL,
    notify_url      TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    succeeded_at    INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    acknowledged_at INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sandbox_refunds_due ON sandbox_refunds (acknowledged_at, next_attempt_at);

-- 申请开票: one application (增值税电子普通发票) for one or several paid orders (同单位合开).
-- status: requested → issued → voided, or rejected.
CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES users (id),
    title         TEXT    NOT NULL,
    tax_number    TEXT    NOT NULL,
    address       TEXT    NOT NULL,
    phone         TEXT    NOT NULL,
    bank_name     TEXT    NOT NULL,
    bank_account  TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    note          TEXT    NOT NULL,
    amount_fen    INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    invoice_no    TEXT    NOT NULL DEFAULT '',
    issued_on     TEXT    NOT NULL DEFAULT '',
    file_id       TEXT    REFERENCES files (id),
    review_note   TEXT    NOT NULL DEFAULT '',
    void_reason   TEXT    NOT NULL DEFAULT '',
    reviewed_by   INTEGER REFERENCES users (id),
    issued_at     INTEGER,
    voided_at     INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    CHECK (amount_fen > 0)
);
CREATE INDEX invoices_by_status ON invoices (status, created_at);
CREATE INDEX invoices_by_applicant ON invoices (applicant_id, created_at);
CREATE UNIQUE INDEX invoices_number ON invoices (invoice_no) WHERE invoice_no <> '';

-- The orders an invoice covers. An order is on at most one live (requested or issued)
-- invoice; a rejected or voided one lets it go (live = 0).
CREATE TABLE invoice_orders (
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    live       INTEGER NOT NULL,
    PRIMARY KEY (invoice_id, order_id)
);
CREATE UNIQUE INDEX invoice_orders_one_live ON invoice_orders (order_id) WHERE live = 1;
CREATE INDEX invoice_orders_by_user ON invoice_orders (user_id);
