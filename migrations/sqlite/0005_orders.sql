-- Orders (sqlite). Keep in step with migrations/postgres/0005_orders.sql.

-- One order per registration once it reaches 待支付. Money in fen; the number is
-- what people quote (bank transfers, support) and is not guessable.
CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    order_no        TEXT    NOT NULL UNIQUE,
    registration_id INTEGER NOT NULL UNIQUE REFERENCES registrations (id),
    user_id         INTEGER NOT NULL REFERENCES users (id),
    status          TEXT    NOT NULL,
    total_fen       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    paid_at         INTEGER,
    closed_at       INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK (total_fen >= 0)
);
CREATE INDEX orders_by_user ON orders (user_id, created_at);
CREATE INDEX orders_unpaid_by_expiry ON orders (status, expires_at);

-- 培训费 and 住宿费.
CREATE TABLE order_lines (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    kind       TEXT    NOT NULL,
    label      TEXT    NOT NULL,
    amount_fen INTEGER NOT NULL,
    CHECK (amount_fen >= 0)
);
CREATE INDEX order_lines_by_order ON order_lines (order_id);
