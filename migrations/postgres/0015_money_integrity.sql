-- Money paid once and refunded once (postgres). Keep in step with migrations/sqlite/0015_money_integrity.sql.

-- One live payment per order: choosing another wallet (or 线下转账) closes the live one
-- first. Rows left by earlier versions (several pending per order) keep only the newest;
-- money arriving for the others is sent back automatically (refunds of kind 'return').
UPDATE payments SET status = 'closed'
 WHERE status = 'pending'
   AND id NOT IN (SELECT MAX(id) FROM payments WHERE status = 'pending' GROUP BY order_id);
CREATE UNIQUE INDEX payments_one_live ON payments (order_id) WHERE status = 'pending';

-- A payment the gateway took for an order that no longer wanted it (a second wallet, a
-- closed order) is refunded at once: one 'return' refund per payment, which neither
-- reserves on the order nor moves the registration, and never blocks a trainee's own.
DROP INDEX refunds_one_open;
CREATE UNIQUE INDEX refunds_one_open ON refunds (order_id)
 WHERE status IN ('review', 'processing') AND kind <> 'return';
CREATE UNIQUE INDEX refunds_one_return ON refunds (payment_id) WHERE kind = 'return';

-- Settlement of each refund on its own: a failure is recorded on that refund, which is
-- tried again later with back-off, and shown to finance.
ALTER TABLE refunds ADD COLUMN attempts        BIGINT NOT NULL DEFAULT 0;
ALTER TABLE refunds ADD COLUMN last_error      TEXT    NOT NULL DEFAULT '';
ALTER TABLE refunds ADD COLUMN next_attempt_at BIGINT;

